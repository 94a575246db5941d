using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Cluster;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// The lanes of the owned buckets, folded from their streams, and the buckets themselves: everything the
/// dispatcher knows, behind one gate. No I/O: the callers read the ledger and append, this keeps the state.
/// </summary>
internal sealed class LaneCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _lanesByWebhook = new(StringComparer.Ordinal);
    private BucketLease[] _buckets = [];

    /// <summary>The ledger position of the last lane event the follower has taken or passed over.</summary>
    private long _lastSeen;

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

    public void Reset(int buckets, long startPosition)
    {
        lock (_gate)
        {
            _buckets = [.. Enumerable.Range(0, buckets).Select(_ => new BucketLease())];
            _lastSeen = startPosition;
        }
    }

    public int BucketOf(string streamId) => _buckets.Length == 1 ? 0 : LaneBucket.Of(streamId, _buckets.Length);

    /// <summary>
    /// Applies one lane event the ledger shows. False when the lane must be loaded from its stream instead (it is
    /// behind, or the event is one it cannot apply on its own); events this dispatcher appended itself are passed over.
    /// </summary>
    public bool Follow(StoredEvent stored, ILedgerEvent e)
    {
        lock (_gate)
        {
            _lastSeen = stored.Position;
            if (_lanes.TryGetValue(stored.StreamId, out var lane))
            {
                if (stored.Version <= lane.Version)
                {
                    return true;
                }
                if (stored.Version == lane.Version + 1 && (e is not RedeliveryRequested r || lane.State.Deliveries.ContainsKey(r.DeliveryId)))
                {
                    lane.Apply([e]);
                    return true;
                }
                return false;
            }
            if (!_buckets[BucketOf(stored.StreamId)].Owned)
            {
                // Another instance's lane; if this one takes the bucket later, it loads the lane then.
                return true;
            }
            if (stored.Version == 0)
            {
                AddLane(stored.StreamId).Apply([e]);
                return true;
            }
            return false;
        }
    }

    /// <summary>Replaces a lane's state with its stream's history (when that is newer than what is held).</summary>
    public void Load(string streamId, IReadOnlyList<ILedgerEvent> history, long lastVersion)
    {
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
            if (lastVersion > lane.Version)
            {
                lane.State = DeliveryLane.Compact(DeliveryLane.Fold(history));
                lane.Version = lastVersion;
            }
        }
    }

    /// <summary>The lane's state and version to decide on, or null when it is not held.</summary>
    public (LaneState State, long Version)? Snapshot(string streamId)
    {
        lock (_gate)
        {
            return _lanes.TryGetValue(streamId, out var lane) ? (lane.State, lane.Version) : null;
        }
    }

    /// <summary>Applies events this dispatcher appended at <paramref name="expectedVersion"/>, unless the follower has already.</summary>
    public void ApplyOwn(string streamId, long expectedVersion, IReadOnlyList<ILedgerEvent> appended)
    {
        lock (_gate)
        {
            if (_lanes.TryGetValue(streamId, out var lane) && lane.Version == expectedVersion)
            {
                lane.Apply(appended);
            }
        }
    }

    public IReadOnlyList<string> LanesOf(string webhookId)
    {
        lock (_gate)
        {
            return _lanesByWebhook.TryGetValue(webhookId, out var set) ? [.. set] : [];
        }
    }

    /// <summary>
    /// Takes what the lane may do now — due deliveries within its in-flight limit that <paramref name="admit"/>
    /// lets go, and those past their maximum age — and marks them in flight; null when the lane is not ours.
    /// </summary>
    public LanePlan? Examine(string streamId, DateTimeOffset now, int maxInFlight, Func<string, WebhookState?> webhooks, Func<string, LaneDelivery, WebhookState?, DateTimeOffset, Admission> admit)
    {
        var starts = new List<(LaneDelivery, WebhookState?)>();
        var expired = new List<string>();
        DateTimeOffset? wakeAt = null;
        lock (_gate)
        {
            if (!_lanes.TryGetValue(streamId, out var lane))
            {
                return null;
            }
            var bucket = _buckets[lane.Bucket];
            if (!bucket.Owned)
            {
                ForgetIfIdle(lane);
                return null;
            }
            var limit = lane.State.IsFifo ? 1 : Math.Max(1, maxInFlight);
            var held = false;
            foreach (var delivery in DeliveryLane.Due(lane.State, now))
            {
                if (lane.InFlight.Count >= limit || lane.InFlight.Contains(delivery.DeliveryId))
                {
                    break;
                }
                var webhook = webhooks(delivery.WebhookId);
                // A delivery past its max age expires whatever holds its lane: a held delivery keeps ageing.
                var admission = delivery.IsOlderThanMaxAge(now) ? Admission.Go : admit(streamId, delivery, webhook, now);
                if (!admission.Allowed)
                {
                    held = true;
                    wakeAt = admission.Until < delivery.ExpiresAt || delivery.ExpiresAt is null ? admission.Until : delivery.ExpiresAt;
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
            if (!held && lane.InFlight.Count == 0 && DeliveryLane.NextDueAt(lane.State) is { } next && next > now)
            {
                wakeAt = next;
            }
            return new LanePlan(starts, expired, wakeAt, bucket.Token);
        }
    }

    /// <summary>Ends what <see cref="Examine"/> started on a delivery; completes a handover waiting for its bucket to drain.</summary>
    public void Finish(string streamId, string deliveryId)
    {
        TaskCompletionSource? drained = null;
        lock (_gate)
        {
            if (_lanes.TryGetValue(streamId, out var lane) && lane.InFlight.Remove(deliveryId))
            {
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
    }

    /// <summary>Marks the bucket owned; false when it already was. <paramref name="fence"/>: the lanes passed over before now are found from there.</summary>
    public bool Acquire(int bucket, bool stopping, out long fence)
    {
        lock (_gate)
        {
            fence = _lastSeen;
            var state = _buckets[bucket];
            if (state.Owned)
            {
                return false;
            }
            state.Owned = true;
            // Not linked to stopping (which would leave a registration behind per term); CancelAll covers stopping.
            state.Cancel = new CancellationTokenSource();
            if (stopping)
            {
                state.Cancel.Cancel();
            }
            return true;
        }
    }

    /// <summary>Starts nothing more on the bucket; completes once nothing of it is in flight.</summary>
    public Task Release(int bucket)
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

    /// <summary>Drops the bucket at once; returns what cancels its attempts in flight (null when it was not owned).</summary>
    public CancellationTokenSource? Lose(int bucket)
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
        drained?.TrySetResult();
        return cancel;
    }

    public IReadOnlyList<CancellationTokenSource> OwnedCancellations()
    {
        lock (_gate)
        {
            return [.. _buckets.Select(b => b.Cancel).OfType<CancellationTokenSource>()];
        }
    }

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

    /// <summary>Marks a bucket not owned and forgets its idle lanes (under the gate).</summary>
    private void Disown(int bucket, BucketLease state)
    {
        state.Owned = false;
        state.Cancel = null;
        foreach (var lane in _lanes.Values.Where(l => l.Bucket == bucket).ToList())
        {
            ForgetIfIdle(lane);
        }
    }
}
