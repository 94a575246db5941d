using System.Collections.Concurrent;
using System.Threading.Channels;
using GraphQL;
using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.EventStore;
using Ledger.GraphQL.Execution;
using Ledger.Projections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ledger.GraphQL.Subscriptions;

/// <summary>
/// Feeds the subscriptions from the projection runner: each committed batch is queued here (so the runner never
/// waits on a subscriber), then one pump reads the current views of what changed, once per batch, and hands them
/// to the subscribers of the tenant they belong to whose arguments match. Subscribers hear of a change only after
/// the read models hold it. Each hand-over takes from the subscriber's <see cref="SubscriberBudget"/>; one that has
/// none left is dropped. Each subscriber hears only what its caller's <see cref="CallerScope"/> sees.
/// </summary>
public sealed class SubscriptionHub(ReadModelQueries queries, WebhookRegistry registry, ILogger<SubscriptionHub> logger)
    : BackgroundService, IProjectionObserver
{
    private readonly Channel<IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)>> _batches =
        Channel.CreateBounded<IReadOnlyList<(StoredEvent, ILedgerEvent)>>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });

    private readonly ConcurrentDictionary<long, Subscriber> _subscribers = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _nextId;
    private int _disposed;

    /// <summary>Subscriptions open now.</summary>
    public int Count => _subscribers.Count;

    public IObservable<object?> DeliveryUpdates(LedgerRequestContext context, string? webhookId, IReadOnlySet<string>? statuses)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Data.EnsureSees(webhookId);
        return new Source(this, context, Topic.Deliveries, webhookId, statuses, null);
    }

    public IObservable<object?> LedgerAppends(LedgerRequestContext context, string? streamPrefix) =>
        new Source(this, context, Topic.Ledger, null, null, streamPrefix);

    public IObservable<object?> CircuitChanges(LedgerRequestContext context, string? webhookId)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Data.EnsureSees(webhookId);
        return new Source(this, context, Topic.Circuits, webhookId, null, null);
    }

    public void OnCommitted(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, long position)
    {
        if (_subscribers.IsEmpty || _batches.Writer.TryWrite(batch))
        {
            return;
        }
        // The pump is behind by a full queue: the runner waits for it rather than drop updates or queue without bound.
        try
        {
            _batches.Writer.WriteAsync(batch, _stopping.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is ChannelClosedException or ObjectDisposedException)
        {
            // The host is stopping; so is every subscription.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stop = stoppingToken.Register(_stopping.Cancel);
        try
        {
            await foreach (var batch in _batches.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await DispatchAsync(batch, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Subscription updates for a batch of {Count} ledger events were lost", batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        // The host disposes it both as a singleton and as a hosted service.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stopping.Cancel();
        _stopping.Dispose();
        base.Dispose();
    }

    private async Task DispatchAsync(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, CancellationToken cancellationToken)
    {
        var subscribers = _subscribers.Values.ToArray();
        if (subscribers.Length == 0)
        {
            return;
        }
        var byTopic = subscribers.ToLookup(s => s.Topic);
        if (byTopic[Topic.Ledger].ToArray() is { Length: > 0 } ledger)
        {
            DispatchLedger(batch, ledger);
        }
        if (byTopic[Topic.Deliveries].ToArray() is { Length: > 0 } deliveries)
        {
            await DispatchDeliveriesAsync(batch, deliveries, cancellationToken);
        }
        if (byTopic[Topic.Circuits].ToArray() is { Length: > 0 } circuits)
        {
            await DispatchCircuitsAsync(batch, circuits, cancellationToken);
        }
    }

    private void DispatchLedger(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, Subscriber[] subscribers)
    {
        foreach (var (stored, _) in batch)
        {
            if (StreamAccess.TenantOf(stored.StreamId, registry) is not { } tenant)
            {
                continue;
            }
            foreach (var subscriber in subscribers)
            {
                if (subscriber.Tenant == tenant && (subscriber.Prefix is null || stored.StreamId.StartsWith(subscriber.Prefix, StringComparison.Ordinal))
                    && subscriber.Scope.SeesStream(stored.StreamId) && subscriber.Scope.SeesEventType(stored.Type))
                {
                    Hand(subscriber, stored);
                }
            }
        }
    }

    private async Task DispatchDeliveriesAsync(
        IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, Subscriber[] subscribers, CancellationToken cancellationToken)
    {
        // Which deliveries changed, per tenant, in the order they first changed (a delivery told once per batch).
        var changed = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (stored, e) in batch)
        {
            IEnumerable<string> ids = e switch
            {
                EventPublished x => x.Deliveries.Select(d => d.DeliveryId),
                AttemptSucceeded x => [x.DeliveryId],
                AttemptFailed x => [x.DeliveryId],
                DeliveryCompleted x => [x.DeliveryId],
                DeliveryFailed x => [x.DeliveryId],
                RedeliveryRequested x => [x.DeliveryId],
                DeliveryPaused x => [x.DeliveryId],
                _ => [],
            };
            foreach (var id in ids)
            {
                if (seen.Add(id) && StreamAccess.TenantOf(stored.StreamId, registry) is { } tenant)
                {
                    (changed.TryGetValue(tenant, out var list) ? list : changed[tenant] = []).Add(id);
                }
            }
        }
        foreach (var (tenant, ids) in changed)
        {
            var listening = subscribers.Where(s => s.Tenant == tenant).ToArray();
            if (listening.Length == 0)
            {
                continue;
            }
            var views = await queries.GetDeliveriesAsync(new TenantId(tenant), ids, cancellationToken);
            foreach (var id in ids)
            {
                if (!views.TryGetValue(id, out var view))
                {
                    continue;
                }
                foreach (var subscriber in listening)
                {
                    if ((subscriber.WebhookId is null || subscriber.WebhookId == view.WebhookId)
                        && (subscriber.Statuses is null || subscriber.Statuses.Contains(view.Status))
                        && subscriber.Scope.Sees(view.WebhookId))
                    {
                        Hand(subscriber, view);
                    }
                }
            }
        }
    }

    private async Task DispatchCircuitsAsync(
        IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, Subscriber[] subscribers, CancellationToken cancellationToken)
    {
        var changed = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (stored, _) in batch)
        {
            if (!stored.StreamId.StartsWith(Streams.WebhookPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            var webhookId = stored.StreamId[Streams.WebhookPrefix.Length..];
            if (registry.Find(webhookId)?.TenantId is { } tenant)
            {
                var list = changed.TryGetValue(tenant, out var found) ? found : changed[tenant] = [];
                if (!list.Contains(webhookId))
                {
                    list.Add(webhookId);
                }
            }
        }
        foreach (var (tenant, ids) in changed)
        {
            var listening = subscribers.Where(s => s.Tenant == tenant).ToArray();
            if (listening.Length == 0)
            {
                continue;
            }
            var views = await queries.GetWebhooksAsync(new TenantId(tenant), ids, cancellationToken);
            foreach (var id in ids)
            {
                if (views.TryGetValue(id, out var view))
                {
                    foreach (var subscriber in listening.Where(s => (s.WebhookId is null || s.WebhookId == id) && s.Scope.Sees(id)))
                    {
                        Hand(subscriber, view);
                    }
                }
            }
        }
    }

    private void Hand(Subscriber subscriber, object update)
    {
        if (!subscriber.Budget.TryTake(EstimatedBytes(update)))
        {
            Remove(subscriber);
            logger.LogWarning(
                "A {Topic} subscriber of tenant {Tenant} fell behind ({Capacity} updates or {Bytes} bytes unsent) and was cut off",
                subscriber.Topic, subscriber.Tenant, subscriber.Budget.Capacity, subscriber.Budget.Bytes.Capacity);
            return;
        }
        try
        {
            subscriber.Observer.OnNext(update);
        }
        catch (Exception ex)
        {
            Remove(subscriber);
            logger.LogWarning(ex, "A {Topic} subscriber failed to take an update and was removed", subscriber.Topic);
        }
    }

    /// <summary>About what an update will take once written: a ledger event by its data, a view by a generous constant.</summary>
    internal static long EstimatedBytes(object update) => update switch
    {
        StoredEvent stored => 512L + stored.Data.Length + stored.StreamId.Length + stored.Type.Length,
        _ => 2048,
    };

    private void Remove(Subscriber subscriber) => _subscribers.TryRemove(subscriber.Id, out _);

    private enum Topic
    {
        Deliveries,
        Ledger,
        Circuits,
    }

    private sealed record Subscriber(
        long Id, Topic Topic, string Tenant, CallerScope Scope, string? WebhookId, IReadOnlySet<string>? Statuses, string? Prefix, SubscriberBudget Budget,
        IObserver<object?> Observer);

    private sealed class Source(SubscriptionHub hub, LedgerRequestContext context, Topic topic, string? webhookId, IReadOnlySet<string>? statuses, string? prefix)
        : IObservable<object?>
    {
        public IDisposable Subscribe(IObserver<object?> observer)
        {
            var budget = context.Budget ?? throw new ExecutionError("subscriptions are served over WebSocket (graphql-transport-ws) at /graphql");
            var subscriber = new Subscriber(
                Interlocked.Increment(ref hub._nextId), topic, context.Tenant.Value, context.Scope, webhookId, statuses is { Count: > 0 } ? statuses : null, prefix, budget, observer);
            hub._subscribers[subscriber.Id] = subscriber;
            return new Unsubscriber(hub, subscriber);
        }
    }

    private sealed class Unsubscriber(SubscriptionHub hub, Subscriber subscriber) : IDisposable
    {
        public void Dispose() => hub.Remove(subscriber);
    }
}
