using System.Threading.Channels;
using Ledger.Dispatcher.Http;
using Ledger.Domain;
using Ledger.Domain.Wire;
using Ledger.EventStore;
using Ledger.Projections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// The dispatcher. It holds no truth of its own: lanes are folded from their streams and followed through the
/// ledger; due heads are sent within the concurrency limits; outcomes are decided by <see cref="DeliveryLane"/> and
/// appended to the lane with its expected version, so two writers can never both act on one head. Concurrent
/// appends share commits in the store (group commit). A slow receiver holds only its own lane.
/// </summary>
public sealed class LaneDispatcher(
    IEventStore store,
    ReadModelQueries queries,
    WebhookRegistry registry,
    IWebhookSender sender,
    DispatcherOptions options,
    TimeProvider time,
    ILogger<LaneDispatcher>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<LaneDispatcher>.Instance;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _lanesByWebhook = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _timers = new();
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly EventBodyCache _events = new(store);
    private readonly SemaphoreSlim _concurrency = new(options.MaxConcurrency, options.MaxConcurrency);
    private readonly PositionSignal _followed = new();
    private TaskCompletionSource _timersChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _stopping;
    private int _inFlight;

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

    public async Task RunAsync(long startPosition, CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        registry.Changed += OnWebhookChanged;
        try
        {
            foreach (var streamId in await queries.LanesWithWorkAsync(cancellationToken))
            {
                await LoadLaneAsync(streamId, cancellationToken);
            }
            _followed.Advance(startPosition);
            await Task.WhenAll(FollowLedgerAsync(startPosition, cancellationToken), RunTimersAsync(cancellationToken), ExamineReadyLanesAsync(cancellationToken));
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
            catch (EventStoreException ex)
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

    private Lane AddLane(string streamId)
    {
        var lane = new Lane(streamId);
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
        lock (_gate)
        {
            if (!_lanes.TryGetValue(streamId, out var lane))
            {
                return;
            }
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
            _ = RunGuardedAsync(streamId, id, () => RecordAsync(streamId, id, state => DeliveryLane.Expire(state, id, time.GetUtcNow())));
        }
        foreach (var (delivery, webhook) in starts)
        {
            _ = RunGuardedAsync(streamId, delivery.DeliveryId, () => AttemptAsync(streamId, delivery, webhook));
        }
        if (wakeAt is { } at)
        {
            ScheduleAt(streamId, at);
        }
    }

    private async Task RunGuardedAsync(string streamId, string deliveryId, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Delivery {DeliveryId} on {Lane} could not be processed; it will be tried again", deliveryId, streamId);
            ScheduleAt(streamId, time.GetUtcNow().AddSeconds(5));
        }
        finally
        {
            lock (_gate)
            {
                if (_lanes.TryGetValue(streamId, out var lane))
                {
                    lane.InFlight.Remove(deliveryId);
                }
            }
            MarkReady(streamId);
        }
    }

    private async Task AttemptAsync(string streamId, LaneDelivery delivery, WebhookState? webhook)
    {
        if (webhook is null || webhook.Deleted)
        {
            await RecordAsync(streamId, delivery.DeliveryId, state =>
                state.Deliveries.ContainsKey(delivery.DeliveryId) ? [new DeliveryFailed(delivery.DeliveryId, "WEBHOOK_DELETED", time.GetUtcNow())] : []);
            return;
        }
        var published = await _events.GetAsync(delivery.EventPosition, _stopping)
            ?? throw new InvalidOperationException($"the event of {delivery.DeliveryId} is not at position {delivery.EventPosition}");

        await _concurrency.WaitAsync(_stopping);
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
                _stopping);
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

    private sealed class Lane(string streamId)
    {
        public string StreamId { get; } = streamId;
        public LaneState State { get; set; } = LaneState.Empty;

        /// <summary>The version of the last event applied (-1: none).</summary>
        public long Version { get; set; } = -1;

        public HashSet<string> InFlight { get; } = new(StringComparer.Ordinal);
    }
}
