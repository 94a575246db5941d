using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Checkpoints;
using Ledger.Projections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Application;

/// <summary>
/// From <see cref="EventPublished"/> to <see cref="DeliveryEnqueued"/> on each planned webhook's per-key lane.
/// Checkpointed and idempotent: each enqueue carries the delivery id as its idempotency key, and all lanes of one
/// event are appended in one atomic batch, so a batch found already written after a crash is simply passed over.
/// That is also why its checkpoint is stored at most every ~100 ms (<see cref="CheckpointCommitter"/>), not per batch.
/// </summary>
public sealed class FanOutReactor(
    IEventStore store,
    ICheckpointStore checkpoints,
    WebhookRegistry registry,
    ProjectionRunner projections,
    TimeProvider time,
    ILogger<FanOutReactor>? logger = null,
    OperationalEvents? operational = null)
{
    public const string CheckpointName = "fan-out";

    private readonly ILogger _logger = logger ?? NullLogger<FanOutReactor>.Instance;
    private readonly PositionSignal _position = new();

    public long Position => _position.Current;

    public Task WaitForPositionAsync(long position, CancellationToken cancellationToken) => _position.WaitAsync(position, cancellationToken);

    /// <summary>
    /// Reacts until cancelled. Where several instances share the storage only the leader runs this; should a deposed
    /// leader not have noticed yet, its enqueues are refused as duplicates and its checkpoint never moves backwards.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        long position = -1;
        var committer = new CheckpointCommitter(checkpoints, CheckpointName, time);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (position < 0)
                {
                    position = await checkpoints.LoadAsync(CheckpointName, cancellationToken);
                    _position.Advance(position);
                }
                var batch = await store.ReadAllAsync(position, 500, cancellationToken);
                if (batch.Count == 0)
                {
                    await committer.FlushAsync(cancellationToken);
                    await store.WaitForEventsAsync(position, cancellationToken);
                    continue;
                }
                await ReactAsync(batch, cancellationToken);
                position = batch[^1].Position;
                await committer.CommitAsync(position, cancellationToken);
                _position.Advance(position);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping, or no longer leading: whatever failed on the way out is the next leader's to redo.
                break;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Fan-out after position {Position} failed; retrying", position);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task ReactAsync(IReadOnlyList<StoredEvent> batch, CancellationToken cancellationToken)
    {
        if (operational is not null)
        {
            await operational.PublishAsync(batch, cancellationToken);
        }
        var perEvent = new List<IReadOnlyList<StreamAppend>>();
        foreach (var stored in batch)
        {
            if (!stored.StreamId.StartsWith(Streams.TenantPrefix, StringComparison.Ordinal) || stored.Type != EventCatalog.NameOf(typeof(EventPublished)))
            {
                continue;
            }
            if (EventSerializer.Deserialize(stored) is EventPublished published && published.Deliveries.Count > 0)
            {
                perEvent.Add(await EnqueuesAsync(stored, published, cancellationToken));
            }
        }
        if (perEvent.Count == 0)
        {
            return;
        }
        try
        {
            await store.AppendAsync(Merge(perEvent), cancellationToken);
        }
        catch (DuplicateEventException)
        {
            // Some of these were enqueued before a crash; each event's batch is atomic, so go one event at a time.
            foreach (var appends in perEvent)
            {
                try
                {
                    await store.AppendAsync(appends, cancellationToken);
                }
                catch (DuplicateEventException)
                {
                }
            }
        }
    }

    private async Task<IReadOnlyList<StreamAppend>> EnqueuesAsync(StoredEvent stored, EventPublished published, CancellationToken cancellationToken)
    {
        var tenant = stored.StreamId[Streams.TenantPrefix.Length..];
        var now = time.GetUtcNow();
        var appends = new List<StreamAppend>();
        foreach (var planned in published.Deliveries)
        {
            var webhook = registry.Find(planned.WebhookId);
            if (webhook is null)
            {
                // The registry may be behind the ledger just after a start; the webhook was registered before this event.
                await projections.WaitForPositionAsync(stored.Position, cancellationToken);
                webhook = registry.Find(planned.WebhookId);
            }
            var enqueued = new DeliveryEnqueued(
                planned.DeliveryId, published.EventId, planned.WebhookId, tenant, published.Type, stored.Position,
                webhook?.Ordering ?? Ordering.Fifo, webhook?.EffectiveRetrySchedule ?? Profiles.DefaultRetrySchedule(Profiles.Standard),
                webhook?.EffectiveMaxAttemptAgeSeconds, published.CreatedAt);
            appends.Add(new StreamAppend(
                Streams.Delivery(new WebhookId(planned.WebhookId), published.OrderingKey), ExpectedVersion.Any,
                EventSerializer.ToNew(enqueued, now, planned.DeliveryId)));
        }
        return appends;
    }

    /// <summary>One atomic batch for many events: a lane that several events go to gets their enqueues in publish order.</summary>
    private static List<StreamAppend> Merge(List<IReadOnlyList<StreamAppend>> perEvent)
    {
        var byStream = new Dictionary<string, List<NewEvent>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var append in perEvent.SelectMany(a => a))
        {
            if (!byStream.TryGetValue(append.StreamId, out var events))
            {
                byStream[append.StreamId] = events = [];
                order.Add(append.StreamId);
            }
            events.AddRange(append.Events);
        }
        return [.. order.Select(s => new StreamAppend(s, ExpectedVersion.Any, byStream[s]))];
    }
}
