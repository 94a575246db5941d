using System.Threading.Channels;
using Ledger.Dispatcher.Http;
using Ledger.Dispatcher.Policies;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Cluster;
using Ledger.Keys;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// The dispatcher. It holds no truth of its own: lanes are folded from their streams (<see cref="LaneCache"/>) and
/// followed through the ledger (<see cref="LedgerFollower"/>); due heads are attempted within the concurrency
/// limits (<see cref="AttemptRunner"/>); outcomes are decided by <see cref="DeliveryLane"/> and appended with the
/// lane's expected version (<see cref="LaneRecorder"/>); later work waits in the <see cref="TimerQueue"/>.
/// <para>
/// Lanes are hashed into buckets, and this dispatcher acts only on the lanes of the buckets this instance owns
/// (<see cref="IClusterLeases"/>; with embedded storage that is all of them). On gaining a bucket it loads the
/// bucket's lanes that have work; on losing one it stops sending them at once (cancelling what is in flight);
/// on handing one over it starts nothing more there and lets what is in flight finish first.
/// </para>
/// </summary>
public sealed class LaneDispatcher : ILaneBucketOwner
{
    private readonly IEventStore _store;
    private readonly ILaneWorkIndex _workIndex;
    private readonly IWebhookDirectory _webhooks;
    private readonly DispatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly IClusterLeases _leases;
    private readonly ILogger _logger;
    private readonly LaneCache _lanes = new();
    private readonly TimerQueue _timers;
    private readonly LedgerFollower _follower;
    private readonly LaneLoader _loader;
    private readonly AttemptRunner _attempts;
    private readonly LaneRecorder _recorder;
    private readonly EventBodyCache _bodies;
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<(int Bucket, long Fence)> _acquired = Channel.CreateUnbounded<(int, long)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DeliveryPolicies? _policies;
    private CancellationToken _stopping;

    public LaneDispatcher(
        IEventStore store,
        ILaneWorkIndex workIndex,
        IWebhookDirectory webhooks,
        IWebhookSender sender,
        IDeliverySigner signer,
        DispatcherOptions options,
        TimeProvider time,
        ILogger<LaneDispatcher>? logger = null,
        IClusterLeases? leases = null,
        DeliveryPolicies? policies = null)
    {
        _store = store;
        _workIndex = workIndex;
        _webhooks = webhooks;
        _options = options;
        _time = time;
        _leases = leases ?? SingleInstanceLeases.Instance;
        _logger = logger ?? NullLogger<LaneDispatcher>.Instance;
        _timers = new TimerQueue(time);
        _bodies = new EventBodyCache(store);
        _follower = new LedgerFollower(store, time, _logger);
        _loader = new LaneLoader(store, _lanes, MarkReady);
        _recorder = new LaneRecorder(store, _lanes, _loader, time, _logger, policies);
        _attempts = new AttemptRunner(_bodies, new DeliveryRenderer(signer, options), sender, _recorder, options, time, _logger, policies);
        _policies = policies;
    }

    /// <summary>Attempts being sent right now.</summary>
    public int InFlight => _attempts.InFlight;

    /// <summary>Unsettled deliveries the dispatcher knows of (the queue depth).</summary>
    public int QueueDepth => _lanes.QueueDepth;

    /// <summary>How far the dispatcher has followed the ledger.</summary>
    public long Position => _follower.Position;

    /// <summary>Called after every attempt is recorded (for metrics).</summary>
    public event Action<SendResult>? AttemptRecorded
    {
        add => _attempts.AttemptRecorded += value;
        remove => _attempts.AttemptRecorded -= value;
    }

    /// <summary>Buckets of lanes this dispatcher may send right now.</summary>
    public int OwnedBuckets => _lanes.OwnedBuckets;

    public async Task RunAsync(long startPosition, CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        _webhooks.Changed += OnWebhookChanged;
        if (_policies is not null)
        {
            _policies.Changed += OnPoliciesChanged;
        }
        try
        {
            _lanes.Reset(_leases.LaneBuckets, startPosition);
            using var stopping = cancellationToken.Register(CancelAll);
            _leases.Attach(this);
            await Task.WhenAll(
                _follower.RunAsync(startPosition, FollowAsync, cancellationToken),
                LoadAcquiredLanesAsync(cancellationToken),
                _timers.RunAsync(MarkReady, cancellationToken),
                ExamineReadyLanesAsync(cancellationToken),
                _attempts.RunAsync(RunGuardedAsync, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _webhooks.Changed -= OnWebhookChanged;
            if (_policies is not null)
            {
                _policies.Changed -= OnPoliciesChanged;
            }
        }
    }

    /// <summary>Applies the lane events of a ledger batch; events this dispatcher appended itself are already applied.</summary>
    private async Task FollowAsync(IReadOnlyList<StoredEvent> batch, CancellationToken cancellationToken)
    {
        foreach (var stored in batch)
        {
            if (!stored.StreamId.StartsWith(Streams.DeliveryPrefix, StringComparison.Ordinal))
            {
                _bodies.Remember(stored);
                continue;
            }
            if (EventSerializer.Deserialize(stored) is not { } e)
            {
                continue;
            }
            if (_lanes.Follow(stored, e))
            {
                MarkReady(stored.StreamId);
            }
            else
            {
                await _loader.LoadAsync(stored.StreamId, cancellationToken);
            }
        }
    }

    private void OnWebhookChanged(WebhookState webhook) => OnPoliciesChanged(webhook.WebhookId);

    /// <summary>A webhook's breaker, disabling or configuration changed: its lanes look again.</summary>
    private void OnPoliciesChanged(string webhookId)
    {
        foreach (var lane in _lanes.LanesOf(webhookId))
        {
            MarkReady(lane);
        }
    }

    private void MarkReady(string streamId) => _ready.Writer.TryWrite(streamId);

    private async Task ExamineReadyLanesAsync(CancellationToken cancellationToken)
    {
        await foreach (var streamId in _ready.Reader.ReadAllAsync(cancellationToken))
        {
            Examine(streamId);
        }
    }

    /// <summary>Starts whatever the lane may do now, and sets a timer for what it may do later.</summary>
    private void Examine(string streamId)
    {
        if (_lanes.Examine(streamId, _time.GetUtcNow(), _options.MaxInFlight, _webhooks.Find, _attempts.Admit) is not { } plan)
        {
            return;
        }
        foreach (var id in plan.Expired)
        {
            _ = RunGuardedAsync(streamId, id, plan.Owned, () => _recorder.RecordAsync(streamId, id, state => DeliveryLane.Expire(state, id, _time.GetUtcNow()), _stopping));
        }
        foreach (var (delivery, webhook) in plan.Starts)
        {
            _attempts.Enqueue(new PendingAttempt(streamId, delivery, webhook, plan.Owned));
        }
        if (plan.WakeAt is { } at)
        {
            _timers.ScheduleAt(streamId, at);
        }
    }

    private Task RunGuardedAsync(PendingAttempt attempt, Func<Task> work) => RunGuardedAsync(attempt.StreamId, attempt.Delivery.DeliveryId, attempt.Owned, work);

    /// <param name="owned">Cancelled when the lane's bucket is lost (or the dispatcher stops).</param>
    private async Task RunGuardedAsync(string streamId, string deliveryId, CancellationToken owned, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (OperationCanceledException) when (owned.IsCancellationRequested)
        {
            // Stopping, or the bucket went to another instance, which sends this delivery again.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Delivery {DeliveryId} on {Lane} could not be processed; it will be tried again", deliveryId, streamId);
            _timers.ScheduleAt(streamId, _time.GetUtcNow().AddSeconds(5));
        }
        finally
        {
            _lanes.Finish(streamId, deliveryId);
            MarkReady(streamId);
        }
    }

    public void OnBucketAcquired(int bucket)
    {
        if (_lanes.Acquire(bucket, _stopping.IsCancellationRequested, out var fence))
        {
            // Lanes of this bucket the follower passed over up to here are found through the work index, once it includes them.
            _acquired.Writer.TryWrite((bucket, fence));
        }
    }

    public Task OnBucketReleasingAsync(int bucket) => _lanes.Release(bucket);

    public void OnBucketLost(int bucket)
    {
        if (_lanes.Lose(bucket) is { } cancel)
        {
            _logger.LogWarning("Lane bucket {Bucket} was lost; its deliveries in flight are cancelled and another instance takes them", bucket);
            // Not inline: the caller holds the leases' lock, and cancelling runs the sends' continuations.
            _ = Task.Run(cancel.Cancel, CancellationToken.None);
        }
    }

    /// <summary>Cancels what is in flight on every bucket (stopping).</summary>
    private void CancelAll()
    {
        foreach (var cancel in _lanes.OwnedCancellations())
        {
            cancel.Cancel();
        }
    }

    /// <summary>Loads the lanes with work of newly acquired buckets, once the work index includes every lane event passed over before.</summary>
    private async Task LoadAcquiredLanesAsync(CancellationToken cancellationToken)
    {
        while (await _acquired.Reader.WaitToReadAsync(cancellationToken))
        {
            var pending = new Dictionary<int, long>();
            while (_acquired.Reader.TryRead(out var acquired))
            {
                pending[acquired.Bucket] = Math.Max(pending.GetValueOrDefault(acquired.Bucket), acquired.Fence);
            }
            while (true)
            {
                try
                {
                    foreach (var streamId in await _workIndex.LanesWithWorkAsync(pending.Values.Max(), cancellationToken))
                    {
                        if (pending.ContainsKey(_lanes.BucketOf(streamId)))
                        {
                            await _loader.LoadAsync(streamId, cancellationToken);
                        }
                    }
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning(ex, "Loading the lanes of {Count} acquired buckets failed; retrying", pending.Count);
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken);
                }
            }
        }
    }
}
