using System.Threading.Channels;
using Ledger.Dispatcher.Http;
using Ledger.Domain;
using Ledger.Domain.Wire;
using Ledger.EventStore;
using Ledger.Projections;
using Ledger.Projections.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// The dispatcher. It holds no truth of its own: lanes are folded from their streams and followed through the
/// ledger; due heads are sent within the concurrency limits; outcomes are decided by <see cref="DeliveryLane"/> and
/// appended to the lane with its expected version, so two writers can never both act on one head. Concurrent
/// appends share commits in the store (group commit). A slow receiver holds only its own lane.
/// <para>
/// Lanes are hashed into buckets, and this dispatcher acts only on the lanes of the buckets this instance owns
/// (<see cref="IClusterLeases"/>; with embedded storage that is all of them). On gaining a bucket it loads the
/// bucket's lanes that have work; on losing one it stops sending them at once (cancelling what is in flight);
/// on handing one over it starts nothing more there and lets what is in flight finish first.
/// </para>
/// </summary>
public sealed class LaneDispatcher(
    IEventStore store,
    ReadModelQueries queries,
    WebhookRegistry registry,
    IWebhookSender sender,
    DispatcherOptions options,
    TimeProvider time,
    ILogger<LaneDispatcher>? logger = null,
    IClusterLeases? leases = null,
    ProjectionRunner? projections = null) : ILaneBucketOwner
{
    private readonly IClusterLeases _leases = leases ?? SingleInstanceLeases.Instance;
    private readonly ILogger _logger = logger ?? NullLogger<LaneDispatcher>.Instance;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _lanesByWebhook = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _timers = new();
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly EventBodyCache _events = new(store);
    private readonly SemaphoreSlim _concurrency = new(options.MaxConcurrency, options.MaxConcurrency);
    private readonly PositionSignal _followed = new();
    private readonly Channel<(int Bucket, long Fence)> _acquired = Channel.CreateUnbounded<(int, long)>(new UnboundedChannelOptions { SingleReader = true });
    private Bucket[] _buckets = [];
    private TaskCompletionSource _timersChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _stopping;
    private int _inFlight;

    /// <summary>The ledger position of the last lane event the follower has taken or passed over (guarded by the gate).</summary>
    private long _lastSeen;

    /// <summary>Attempts being sent right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Unsettled deliveries the dispatcher knows of (the queue depth).</summary>
    public int QueueDepth
    {
        get
        {
            lock (_gate)
            {
                return _lanes.Values.Sum(l => l.State.Queue.Count);
            }
        }
    }

    /// <summary>How far the dispatcher has followed the ledger.</summary>
    public long Position => _followed.Current;

    /// <summary>Called after every attempt is recorded (for metrics).</summary>
    public event Action<SendResult>? AttemptRecorded;

    /// <summary>Buckets of lanes this dispatcher may send right now.</summary>
    public int OwnedBuckets
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Count(b => b.Owned);
            }
        }
    }

    public async Task RunAsync(long startPosition, CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        registry.Changed += OnWebhookChanged;
        try
        {
            lock (_gate)
            {
                _buckets = [.. Enumerable.Range(0, _leases.LaneBuckets).Select(_ => new Bucket())];
                _lastSeen = startPosition;
            }
            _followed.Advance(startPosition);
            using var stopping = cancellationToken.Register(CancelAll);
            _leases.Attach(this);
            await Task.WhenAll(
                FollowLedgerAsync(startPosition, cancellationToken), LoadAcquiredLanesAsync(cancellationToken),
                RunTimersAsync(cancellationToken), ExamineReadyLanesAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            registry.Changed -= OnWebhookChanged;
        }
    }

    private async Task FollowLedgerAsync(long position, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<StoredEvent> batch;
            try
            {
                batch = await store.ReadAllAsync(position, 1000, cancellationToken);
                if (batch.Count == 0)
                {
                    await store.WaitForEventsAsync(position, cancellationToken);
                    continue;
                }
                foreach (var stored in batch)
                {
                    if (stored.StreamId.StartsWith(Streams.DeliveryPrefix, StringComparison.Ordinal))
                    {
                        await FollowAsync(stored, cancellationToken);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "Reading the ledger after {Position} failed; retrying", position);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                continue;
            }
            position = batch[^1].Position;
            _followed.Advance(position);
        }
    }

    /// <summary>Applies one lane event the ledger shows; events this dispatcher appended itself are already applied.</summary>
    private async Task FollowAsync(StoredEvent stored, CancellationToken cancellationToken)
    {
        var e = EventSerializer.Deserialize(stored);
        if (e is null)
        {
            return;
        }
        var reload = false;
        lock (_gate)
        {
            _lastSeen = stored.Position;
            if (_lanes.TryGetValue(stored.StreamId, out var lane))
            {
                if (stored.Version <= lane.Version)
                {
                    return;
                }
                if (stored.Version == lane.Version + 1 && (e is not RedeliveryRequested r || lane.State.Deliveries.ContainsKey(r.DeliveryId)))
                {
                    Apply(lane, [e]);
                }
                else
                {
                    reload = true;
                }
            }
            else if (!_buckets[BucketOf(stored.StreamId)].Owned)
            {
                // Another instance's lane; if this one takes the bucket later, it loads the lane then.
                return;
            }
            else if (stored.Version == 0)
            {
                lane = AddLane(stored.StreamId);
                Apply(lane, [e]);
            }
            else
            {
                reload = true;
            }
        }
        if (reload)
        {
            await LoadLaneAsync(stored.StreamId, cancellationToken);
        }
        else
        {
            MarkReady(stored.StreamId);
        }
    }

    private async Task LoadLaneAsync(string streamId, CancellationToken cancellationToken)
    {
        var history = await store.ReadStreamAsync(streamId, 0, int.MaxValue, cancellationToken);
        var events = history.Select(EventSerializer.Deserialize).OfType<ILedgerEvent>().ToList();
        lock (_gate)
        {
            if (!_lanes.TryGetValue(streamId, out var lane))
            {
                if (!_buckets[BucketOf(streamId)].Owned)
                {
                    return;
                }
                lane = AddLane(streamId);
            }
            if (history.Count > 0 && history[^1].Version > lane.Version)
            {
                lane.State = DeliveryLane.Compact(DeliveryLane.Fold(events));
                lane.Version = history[^1].Version;
            }
        }
        MarkReady(streamId);
    }

    private int BucketOf(string streamId) => _buckets.Length == 1 ? 0 : LaneBucket.Of(streamId, _buckets.Length);

    private Lane AddLane(string streamId)
    {
        var lane = new Lane(streamId, BucketOf(streamId));
        _lanes[streamId] = lane;
        if (Streams.WebhookOfLane(streamId) is { } webhook)
        {
            if (!_lanesByWebhook.TryGetValue(webhook.Value, out var set))
            {
                _lanesByWebhook[webhook.Value] = set = new HashSet<string>(StringComparer.Ordinal);
            }
            set.Add(streamId);
        }
        return lane;
    }

    private static void Apply(Lane lane, IEnumerable<ILedgerEvent> events)
    {
        foreach (var e in events)
        {
            lane.State = DeliveryLane.Evolve(lane.State, e);
            lane.Version++;
        }
        lane.State = DeliveryLane.Compact(lane.State);
    }

    private void OnWebhookChanged(WebhookState webhook)
    {
        List<string> lanes;
        lock (_gate)
        {
            lanes = _lanesByWebhook.TryGetValue(webhook.WebhookId, out var set) ? [.. set] : [];
        }
        foreach (var lane in lanes)
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
        var now = time.GetUtcNow();
        var starts = new List<(LaneDelivery Delivery, WebhookState? Webhook)>();
        var expired = new List<string>();
        DateTimeOffset? wakeAt = null;
        CancellationToken owned;
        lock (_gate)
        {
            if (!_lanes.TryGetValue(streamId, out var lane))
            {
                return;
            }
            var bucket = _buckets[lane.Bucket];
            if (!bucket.Owned)
            {
                ForgetIfIdle(lane);
                return;
            }
            owned = bucket.Token;
            var limit = lane.State.IsFifo ? 1 : Math.Max(1, options.MaxInFlight);
            foreach (var delivery in DeliveryLane.Due(lane.State, now))
            {
                if (lane.InFlight.Count >= limit || lane.InFlight.Contains(delivery.DeliveryId))
                {
                    break;
                }
                var webhook = registry.Find(delivery.WebhookId);
                if (webhook is { Deleted: false, Active: false })
                {
                    // A disabled webhook pauses its lanes; enabling it wakes them (OnWebhookChanged).
                    break;
                }
                lane.InFlight.Add(delivery.DeliveryId);
                bucket.InFlight++;
                if (delivery.IsOlderThanMaxAge(now))
                {
                    expired.Add(delivery.DeliveryId);
                }
                else
                {
                    starts.Add((delivery, webhook));
                }
            }
            if (lane.InFlight.Count == 0 && DeliveryLane.NextDueAt(lane.State) is { } next && next > now)
            {
                wakeAt = next;
            }
        }
        foreach (var id in expired)
        {
            _ = RunGuardedAsync(streamId, id, owned, () => RecordAsync(streamId, id, state => DeliveryLane.Expire(state, id, time.GetUtcNow())));
        }
        foreach (var (delivery, webhook) in starts)
        {
            _ = RunGuardedAsync(streamId, delivery.DeliveryId, owned, () => AttemptAsync(streamId, delivery, webhook, owned));
        }
        if (wakeAt is { } at)
        {
            ScheduleAt(streamId, at);
        }
    }

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
            ScheduleAt(streamId, time.GetUtcNow().AddSeconds(5));
        }
        finally
        {
            TaskCompletionSource? drained = null;
            lock (_gate)
            {
                if (_lanes.TryGetValue(streamId, out var lane))
                {
                    lane.InFlight.Remove(deliveryId);
                    var bucket = _buckets[lane.Bucket];
                    if (--bucket.InFlight == 0)
                    {
                        drained = bucket.Drained;
                        bucket.Drained = null;
                    }
                    ForgetIfIdle(lane);
                }
            }
            drained?.TrySetResult();
            MarkReady(streamId);
        }
    }

    private async Task AttemptAsync(string streamId, LaneDelivery delivery, WebhookState? webhook, CancellationToken owned)
    {
        if (webhook is null || webhook.Deleted)
        {
            await RecordAsync(streamId, delivery.DeliveryId, state =>
                state.Deliveries.ContainsKey(delivery.DeliveryId) ? [new DeliveryFailed(delivery.DeliveryId, "WEBHOOK_DELETED", time.GetUtcNow())] : []);
            return;
        }
        var published = await _events.GetAsync(delivery.EventPosition, owned)
            ?? throw new InvalidOperationException($"the event of {delivery.DeliveryId} is not at position {delivery.EventPosition}");

        await _concurrency.WaitAsync(owned);
        Interlocked.Increment(ref _inFlight);
        SendResult result;
        try
        {
            var attemptAt = time.GetUtcNow();
            var profile = WireProfiles.Get(webhook.Profile);
            var input = EnvelopeInput.From(published, webhook.WebhookId);
            var body = profile.RenderBody(input);
            var headers = profile.SignatureHeaders(input, body, webhook.SigningSecrets(attemptAt), attemptAt);
            result = await sender.SendAsync(
                new SendRequest(new Uri(webhook.Url), body, profile.ContentType, profile.UserAgent, headers, TimeSpan.FromSeconds(options.TimeoutSeconds)),
                owned);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _concurrency.Release();
        }
        await RecordAsync(streamId, delivery.DeliveryId, state => DeliveryLane.RecordAttempt(state, result.ToAttemptResult(delivery.DeliveryId, delivery.Attempts + 1), time.GetUtcNow()));
        AttemptRecorded?.Invoke(result);
    }

    /// <summary>Decides on the lane's current state and appends with its expected version; on a conflict, reloads and decides again.</summary>
    private async Task RecordAsync(string streamId, string deliveryId, Func<LaneState, IReadOnlyList<ILedgerEvent>> decide)
    {
        for (var attempt = 0; ; attempt++)
        {
            Lane lane;
            LaneState state;
            long version;
            lock (_gate)
            {
                if (!_lanes.TryGetValue(streamId, out lane!))
                {
                    return;
                }
                state = lane.State;
                version = lane.Version;
            }
            IReadOnlyList<ILedgerEvent> decided;
            try
            {
                decided = decide(state);
            }
            catch (DomainException ex)
            {
                _logger.LogWarning("Outcome for {DeliveryId} dropped: {Reason}", deliveryId, ex.Message);
                return;
            }
            if (decided.Count == 0)
            {
                return;
            }
            var now = time.GetUtcNow();
            try
            {
                await store.AppendAsync(
                    [new StreamAppend(streamId, version < 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(version), [.. decided.Select(e => EventSerializer.ToNew(e, now))])],
                    _stopping);
            }
            catch (WrongExpectedVersionException) when (attempt < 10)
            {
                await LoadLaneAsync(streamId, _stopping);
                continue;
            }
            lock (_gate)
            {
                // The ledger follower may have applied these events already; apply only if it has not.
                if (lane.Version == version)
                {
                    Apply(lane, decided);
                }
            }
            return;
        }
    }

    private void ScheduleAt(string streamId, DateTimeOffset at)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _timers.Enqueue(streamId, at);
            changed = _timersChanged;
            _timersChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private async Task RunTimersAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Task changed;
            TimeSpan wait;
            var due = new List<string>();
            lock (_gate)
            {
                var now = time.GetUtcNow();
                while (_timers.TryPeek(out var streamId, out var at) && at <= now)
                {
                    _timers.Dequeue();
                    due.Add(streamId);
                }
                wait = _timers.TryPeek(out _, out var nextAt) ? nextAt - now : Timeout.InfiniteTimeSpan;
                changed = _timersChanged.Task;
            }
            foreach (var streamId in due.Distinct(StringComparer.Ordinal))
            {
                MarkReady(streamId);
            }
            if (due.Count > 0)
            {
                continue;
            }
            if (wait == Timeout.InfiniteTimeSpan)
            {
                await changed.WaitAsync(cancellationToken);
            }
            else
            {
                await Task.WhenAny(changed, Task.Delay(wait, time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>Forgets a lane of a bucket this instance no longer owns once nothing of it is in flight (under the gate).</summary>
    private void ForgetIfIdle(Lane lane)
    {
        if (_buckets[lane.Bucket].Owned || lane.InFlight.Count > 0 || !_lanes.Remove(lane.StreamId))
        {
            return;
        }
        if (Streams.WebhookOfLane(lane.StreamId) is { } webhook && _lanesByWebhook.TryGetValue(webhook.Value, out var set))
        {
            set.Remove(lane.StreamId);
            if (set.Count == 0)
            {
                _lanesByWebhook.Remove(webhook.Value);
            }
        }
    }

    public void OnBucketAcquired(int bucket)
    {
        lock (_gate)
        {
            var state = _buckets[bucket];
            if (state.Owned)
            {
                return;
            }
            state.Owned = true;
            // Not linked to stopping (which would leave a registration behind per term); CancelAll covers stopping.
            state.Cancel = new CancellationTokenSource();
            if (_stopping.IsCancellationRequested)
            {
                state.Cancel.Cancel();
            }
            // Lanes of this bucket the follower passed over up to here are found through the read models, once they include it.
            _acquired.Writer.TryWrite((bucket, _lastSeen));
        }
    }

    public Task OnBucketReleasingAsync(int bucket)
    {
        lock (_gate)
        {
            var state = _buckets[bucket];
            Disown(bucket, state);
            if (state.InFlight == 0)
            {
                return Task.CompletedTask;
            }
            state.Drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return state.Drained.Task;
        }
    }

    public void OnBucketLost(int bucket)
    {
        CancellationTokenSource? cancel;
        TaskCompletionSource? drained;
        lock (_gate)
        {
            var state = _buckets[bucket];
            cancel = state.Cancel;
            Disown(bucket, state);
            drained = state.Drained;
            state.Drained = null;
        }
        if (cancel is not null)
        {
            _logger.LogWarning("Lane bucket {Bucket} was lost; its deliveries in flight are cancelled and another instance takes them", bucket);
            // Not inline: the caller holds the leases' lock, and cancelling runs the sends' continuations.
            _ = Task.Run(cancel.Cancel, CancellationToken.None);
        }
        drained?.TrySetResult();
    }

    /// <summary>Cancels what is in flight on every bucket (stopping).</summary>
    private void CancelAll()
    {
        List<CancellationTokenSource> owned;
        lock (_gate)
        {
            owned = [.. _buckets.Select(b => b.Cancel).OfType<CancellationTokenSource>()];
        }
        owned.ForEach(c => c.Cancel());
    }

    /// <summary>Marks a bucket not owned and forgets its idle lanes (under the gate).</summary>
    private void Disown(int bucket, Bucket state)
    {
        state.Owned = false;
        state.Cancel = null;
        foreach (var lane in _lanes.Values.Where(l => l.Bucket == bucket).ToList())
        {
            ForgetIfIdle(lane);
        }
    }

    /// <summary>
    /// Loads the lanes with work of newly acquired buckets, from the work index once the read models include every
    /// lane event the follower passed over before the bucket was this instance's.
    /// </summary>
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
                    if (projections is not null)
                    {
                        await projections.WaitForPositionAsync(pending.Values.Max(), cancellationToken);
                    }
                    foreach (var streamId in await queries.LanesWithWorkAsync(cancellationToken))
                    {
                        if (pending.ContainsKey(BucketOf(streamId)))
                        {
                            await LoadLaneAsync(streamId, cancellationToken);
                        }
                    }
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning(ex, "Loading the lanes of {Count} acquired buckets failed; retrying", pending.Count);
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                }
            }
        }
    }

    /// <summary>One lane bucket as this dispatcher holds it (guarded by the gate).</summary>
    private sealed class Bucket
    {
        public bool Owned { get; set; }

        /// <summary>Cancelled when the bucket is lost, or the dispatcher stops.</summary>
        public CancellationTokenSource? Cancel { get; set; }

        public CancellationToken Token => Cancel?.Token ?? new CancellationToken(true);

        /// <summary>Attempts and expiries started on the bucket's lanes and not yet finished.</summary>
        public int InFlight { get; set; }

        /// <summary>Completed when <see cref="InFlight"/> reaches 0 while the bucket is being handed over.</summary>
        public TaskCompletionSource? Drained { get; set; }

    }

    private sealed class Lane(string streamId, int bucket)
    {
        public string StreamId { get; } = streamId;

        public int Bucket { get; } = bucket;
        public LaneState State { get; set; } = LaneState.Empty;

        /// <summary>The version of the last event applied (-1: none).</summary>
        public long Version { get; set; } = -1;

        public HashSet<string> InFlight { get; } = new(StringComparer.Ordinal);
    }
}
