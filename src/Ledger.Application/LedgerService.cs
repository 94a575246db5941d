using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Wire;
using Ledger.EventStore;
using Ledger.EventStore.Tracing;
using Ledger.Keys;
using Ledger.Projections;

namespace Ledger.Application;

/// <summary>
/// Every command of the API, behind REST and GraphQL alike: validate, decide, append to the ledger. Nothing is
/// appended when a command is refused. Configuration commands return once the read models include their change.
/// </summary>
public sealed class LedgerService(
    IEventStore store,
    ReadModelQueries queries,
    WebhookRegistry registry,
    ProjectionRunner projections,
    IDestinationPolicy destinations,
    LedgerLimits limits,
    WebhookSecrets secrets,
    TimeProvider time)
{
    private static readonly TimeSpan ReadYourWritesWait = TimeSpan.FromSeconds(10);
    private readonly IdGenerator _ids = new(time);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _tenantLocks = new(StringComparer.Ordinal);

    public async Task<PublishResult> PublishAsync(TenantId tenant, PublishRequest request, CancellationToken cancellationToken)
    {
        if (!EventPatterns.IsValidType(request.Type))
        {
            throw DomainException.Validation("type", "type is required: 1 to 128 characters of letters, digits, _ - . and :");
        }
        if (request.Data is not { } data || data.ValueKind == JsonValueKind.Undefined)
        {
            throw DomainException.Validation("data", "data is required");
        }
        if (request.Id is not null && !EventId.IsValid(request.Id))
        {
            throw DomainException.Validation("id", "id must be 1 to 128 characters of letters, digits, _ - . and :");
        }
        if (request.ApiVersion is not null && !ApiVersion.IsValid(request.ApiVersion))
        {
            throw DomainException.Validation("apiVersion", "apiVersion must be 1 to 64 visible ASCII characters: no spaces, line breaks or other control characters");
        }
        if (request.Metadata is not null)
        {
            Metadata.Validate(request.Metadata);
        }
        if (request.OrderingKey is not null && !Streams.IsValidOrderingKey(request.OrderingKey))
        {
            throw DomainException.Validation("orderingKey", "orderingKey must be 1 to 128 characters of letters, digits, _ - . : @ = and +");
        }
        await CatchUpWithOtherInstancesAsync(cancellationToken);
        var webhooks = registry.OfTenant(tenant).Where(w => w.Wants(request.Type!, data));
        return await AppendPublishedAsync(tenant, request.Id, request.Type!, data, request.ApiVersion, request.Metadata, request.OrderingKey, webhooks, cancellationToken);
    }

    /// <summary>Sends an event of type <c>test</c> to one webhook, whatever it subscribes to.</summary>
    public async Task<DeliveryView> SendTestAsync(TenantId tenant, string webhookId, CancellationToken cancellationToken)
    {
        await CatchUpWithOtherInstancesAsync(cancellationToken);
        var webhook = registry.Find(tenant, webhookId) ?? throw DomainException.NotFound("webhook");
        using var data = JsonDocument.Parse("""{"test":true,"message":"This is a test webhook"}""");
        var result = await AppendPublishedAsync(tenant, null, "test", data.RootElement.Clone(), null, null, null, [webhook], cancellationToken);
        await projections.WaitForPositionAsync(result.Position, cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);
        return await queries.GetDeliveryAsync(tenant, result.Deliveries[0].DeliveryId, cancellationToken)
            ?? throw new InvalidOperationException("the test delivery is missing from the read model");
    }

    private async Task<PublishResult> AppendPublishedAsync(
        TenantId tenant, string? id, string type, JsonElement data, string? apiVersion, IReadOnlyDictionary<string, string>? metadata,
        string? orderingKey, IEnumerable<WebhookState> webhooks, CancellationToken cancellationToken)
    {
        using var activity = PublishTrace.Start(tenant, type);
        var stream = Streams.Tenant(tenant);
        if (id is not null && await FindPublishedAsync(stream, id, cancellationToken) is { } existing)
        {
            PublishTrace.Published(activity, existing);
            return existing;
        }
        var now = time.GetUtcNow();
        var eventId = id ?? _ids.NewEventId().Value;
        var deliveries = webhooks.Select(w => new PlannedDelivery(_ids.NewDeliveryId().Value, w.WebhookId)).ToList();
        var published = new EventPublished(eventId, type, data, apiVersion, metadata, orderingKey, now, deliveries, LedgerTracing.TraceParentOf(activity ?? System.Diagnostics.Activity.Current));
        try
        {
            var result = await store.AppendAsync(stream, ExpectedVersion.Any, EventSerializer.ToNew(published, now, eventId), cancellationToken);
            return PublishTrace.Published(activity, new PublishResult(eventId, deliveries, Created: true, result.LastPosition));
        }
        catch (DuplicateEventException)
        {
            // A concurrent publish of the same id won; answer as for any repeat.
        }
        return PublishTrace.Published(activity, await FindPublishedAsync(stream, eventId, cancellationToken)
            ?? throw new InvalidOperationException($"event {eventId} was reported as a duplicate but is not in the ledger"));
    }

    private async Task<PublishResult?> FindPublishedAsync(string stream, string eventId, CancellationToken cancellationToken)
    {
        var stored = await store.FindByIdempotencyKeyAsync(stream, eventId, cancellationToken);
        return stored is not null && EventSerializer.Deserialize(stored) is EventPublished previous
            ? new PublishResult(previous.EventId, previous.Deliveries, Created: false, stored.Position)
            : null;
    }

    public async Task<WebhookCreated> CreateWebhookAsync(TenantId tenant, WebhookSettings settings, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        var gate = _tenantLocks.GetOrAdd(tenant.Value, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            await CatchUpWithOtherInstancesAsync(cancellationToken);
            var id = _ids.NewWebhookId();
            var registered = WebhookDecider.Register(id, settings, NewSecret(), time.GetUtcNow());
            await EnsureDestinationAsync(registered.Url, cancellationToken);
            if (registry.OfTenant(tenant).Count >= limits.WebhooksPerTenant)
            {
                throw new DomainException(ErrorCodes.LimitExceeded, $"a tenant may have at most {limits.WebhooksPerTenant} webhooks; delete one or raise Ledger__Limits__WebhooksPerTenant");
            }
            var sealedSecret = await secrets.SealAsync(tenant, registered.WebhookId, registered.Secret, cancellationToken);
            await AppendConfigurationAsync(tenant, registered with { Secret = sealedSecret, Actor = actor?.Id, Ip = actor?.Ip }, cancellationToken);
            var view = await queries.GetWebhookAsync(tenant, id.Value, cancellationToken) ?? throw new InvalidOperationException("the new webhook is missing from the read model");
            return new WebhookCreated(view, registered.Secret);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<WebhookView> UpdateWebhookAsync(TenantId tenant, string webhookId, WebhookSettings patch, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        await CatchUpWithOtherInstancesAsync(cancellationToken);
        var state = registry.Find(tenant, webhookId) ?? throw DomainException.NotFound("webhook");
        var updated = WebhookDecider.Update(state, patch, time.GetUtcNow());
        if (patch.Url is not null)
        {
            await EnsureDestinationAsync(updated.Url, cancellationToken);
        }
        await AppendConfigurationAsync(tenant, updated with { Actor = actor?.Id, Ip = actor?.Ip }, cancellationToken);
        return await queries.GetWebhookAsync(tenant, webhookId, cancellationToken) ?? throw DomainException.NotFound("webhook");
    }

    public async Task DeleteWebhookAsync(TenantId tenant, string webhookId, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        await CatchUpWithOtherInstancesAsync(cancellationToken);
        var state = registry.Find(tenant, webhookId) ?? throw DomainException.NotFound("webhook");
        await AppendConfigurationAsync(tenant, WebhookDecider.Delete(state, time.GetUtcNow()) with { Actor = actor?.Id, Ip = actor?.Ip }, cancellationToken);
    }

    public async Task<WebhookCreated> RotateSecretAsync(TenantId tenant, string webhookId, int? overlapHours, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        await CatchUpWithOtherInstancesAsync(cancellationToken);
        var state = registry.Find(tenant, webhookId) ?? throw DomainException.NotFound("webhook");
        var rotated = WebhookDecider.RotateSecret(state, NewSecret(), overlapHours ?? 168, time.GetUtcNow());
        var sealedSecret = await secrets.SealAsync(tenant, rotated.WebhookId, rotated.Secret, cancellationToken);
        await AppendConfigurationAsync(tenant, rotated with { Secret = sealedSecret, Actor = actor?.Id, Ip = actor?.Ip }, cancellationToken);
        var view = await queries.GetWebhookAsync(tenant, webhookId, cancellationToken) ?? throw DomainException.NotFound("webhook");
        return new WebhookCreated(view, rotated.Secret);
    }

    /// <summary>
    /// Closes the webhook's circuit breaker at once (docs/delivery-semantics.md): an expected-version append on <c>webhook-{id}</c>, so
    /// it never crosses a transition another instance made meanwhile. A closed breaker stays as it is.
    /// </summary>
    public async Task<WebhookView> ResetCircuitBreakerAsync(TenantId tenant, string webhookId, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        await CatchUpWithOtherInstancesAsync(cancellationToken);
        _ = registry.Find(tenant, webhookId) ?? throw DomainException.NotFound("webhook");
        var stream = Streams.Webhook(new WebhookId(webhookId));
        for (var attempt = 0; ; attempt++)
        {
            var history = await store.ReadStreamAsync(stream, 0, int.MaxValue, cancellationToken);
            var breaker = CircuitBreaker.Fold(history.Select(EventSerializer.Deserialize).OfType<ILedgerEvent>());
            var now = time.GetUtcNow();
            var decided = CircuitBreaker.Reset(breaker, webhookId, now).Select(e => e is CircuitClosed closed ? closed with { Actor = actor?.Id, Ip = actor?.Ip } : e).ToList();
            if (decided.Count == 0)
            {
                break;
            }
            var version = history.Count == 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(history[^1].Version);
            try
            {
                var result = await store.AppendAsync([new StreamAppend(stream, version, [.. decided.Select(e => EventSerializer.ToNew(e, now))])], cancellationToken);
                await projections.WaitForPositionAsync(result.LastPosition, cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);
                break;
            }
            catch (WrongExpectedVersionException) when (attempt < 5)
            {
                // An instance moved the breaker meanwhile; decide again on what it did.
            }
        }
        return await queries.GetWebhookAsync(tenant, webhookId, cancellationToken) ?? throw DomainException.NotFound("webhook");
    }

    /// <summary>One delivery again: a new cycle on the same delivery id.</summary>
    public async Task<DeliveryView> RedeliverAsync(TenantId tenant, string deliveryId, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        var delivery = await FindDeliveryAsync(tenant, deliveryId, cancellationToken) ?? throw DomainException.NotFound("delivery");
        var position = await RequestRedeliveryAsync(delivery, cancellationToken, actor: actor);
        await projections.WaitForPositionAsync(position, cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);
        return await queries.GetDeliveryAsync(tenant, deliveryId, cancellationToken) ?? throw DomainException.NotFound("delivery");
    }

    /// <summary>Every settled delivery of one event again; deliveries still under way go on as they are.</summary>
    public Task<IReadOnlyList<DeliveryView>> RedeliverEventAsync(TenantId tenant, string eventId, CancellationToken cancellationToken, CommandActor? actor = null) =>
        RedeliverEventAsync(tenant, eventId, static _ => true, cancellationToken, actor);

    /// <summary>The settled deliveries of one event that <paramref name="include"/> takes (a caller's scope) again.</summary>
    public async Task<IReadOnlyList<DeliveryView>> RedeliverEventAsync(
        TenantId tenant, string eventId, Func<DeliveryView, bool> include, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        var deliveries = await queries.GetDeliveriesOfEventAsync(tenant, eventId, cancellationToken);
        if (deliveries.Count == 0 && await queries.GetEventAsync(tenant, eventId, cancellationToken) is null
            && await store.FindByIdempotencyKeyAsync(Streams.Tenant(tenant), eventId, cancellationToken) is null)
        {
            throw DomainException.NotFound("event");
        }
        long position = 0;
        foreach (var delivery in deliveries.Where(d => (d.Status is DeliveryStatuses.Delivered or DeliveryStatuses.Failed) && include(d)))
        {
            position = Math.Max(position, await RequestRedeliveryAsync(delivery, cancellationToken, actor: actor));
        }
        await projections.WaitForPositionAsync(position, cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);
        return [.. (await queries.GetDeliveriesOfEventAsync(tenant, eventId, cancellationToken)).Where(include)];
    }

    /// <summary>Every failed delivery of a webhook created at or after <paramref name="since"/> again; returns how many.</summary>
    public async Task<int> ReplayFailedAsync(TenantId tenant, string webhookId, DateTimeOffset since, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        _ = registry.Find(tenant, webhookId) ?? throw DomainException.NotFound("webhook");
        var failed = await queries.FailedDeliveriesAsync(tenant, webhookId, since, cancellationToken);
        long position = 0;
        foreach (var delivery in failed)
        {
            position = Math.Max(position, await RequestRedeliveryAsync(delivery, cancellationToken, actor: actor));
        }
        await projections.WaitForPositionAsync(position, cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);
        return failed.Count;
    }

    /// <summary>A delivery by id; one just published may not be in the read model yet, so a miss waits for it to catch up once.</summary>
    public async Task<DeliveryView?> FindDeliveryAsync(TenantId tenant, string deliveryId, CancellationToken cancellationToken)
    {
        var delivery = await queries.GetDeliveryAsync(tenant, deliveryId, cancellationToken);
        if (delivery is not null || !deliveryId.StartsWith(DeliveryId.Prefix, StringComparison.Ordinal))
        {
            return delivery;
        }
        await CatchUpReadModelsAsync(cancellationToken);
        return await queries.GetDeliveryAsync(tenant, deliveryId, cancellationToken);
    }

    /// <summary>
    /// Records in the tenant's stream that <paramref name="actor"/> took an export (<paramref name="kind"/>: <c>ledger</c>,
    /// <c>deliveries</c>, <c>attempts</c>) with these query parameters, for the audit trail; call it before the export is written.
    /// </summary>
    public Task RecordExportAsync(TenantId tenant, string kind, string parameters, CommandActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return AppendConfigurationAsync(tenant, new ExportRequested(kind, parameters, time.GetUtcNow(), actor.Id, actor.Ip), cancellationToken);
    }

    /// <summary>Waits (briefly) until the read models include everything committed so far.</summary>
    public async Task CatchUpReadModelsAsync(CancellationToken cancellationToken)
    {
        var head = await store.ReadHeadPositionAsync(cancellationToken);
        try
        {
            await projections.WaitForPositionAsync(head, cancellationToken).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Appends one redelivery, naming who asked for it; returns its ledger position.</summary>
    internal async Task<long> RequestRedeliveryAsync(DeliveryView delivery, CancellationToken cancellationToken, CommandActor? actor = null) =>
        (await RedeliverAsync(delivery, null, cancellationToken, actor))!.Value;

    /// <summary>
    /// Appends one redelivery naming the bulk replay <paramref name="replayJobId"/>, unless the lane holds that job's
    /// redelivery of it already (a job resumed after a restart passes over what it did): true when it appended.
    /// </summary>
    internal async Task<bool> RequestReplayRedeliveryAsync(DeliveryView delivery, string replayJobId, CancellationToken cancellationToken) =>
        await RedeliverAsync(delivery, replayJobId, cancellationToken) is not null;

    /// <summary>Whether the delivery's lane holds a redelivery the bulk replay <paramref name="replayJobId"/> made.</summary>
    internal async Task<bool> WasRedeliveredByAsync(DeliveryView delivery, string replayJobId, CancellationToken cancellationToken) =>
        delivery.StreamId is not null && RedeliveredBy(await store.ReadStreamAsync(delivery.StreamId, 0, int.MaxValue, cancellationToken), delivery.Id, replayJobId);

    private static bool RedeliveredBy(IReadOnlyList<StoredEvent> history, string deliveryId, string replayJobId) =>
        history.Any(stored => EventSerializer.Deserialize(stored) is RedeliveryRequested x && x.DeliveryId == deliveryId && x.ReplayJobId == replayJobId);

    private async Task<long?> RedeliverAsync(DeliveryView delivery, string? replayJobId, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        if (delivery.StreamId is null)
        {
            throw new DomainException(ErrorCodes.Conflict, $"delivery {delivery.Id} is still pending; redeliver it once it has been delivered or has failed");
        }
        for (var attempt = 0; ; attempt++)
        {
            var history = await store.ReadStreamAsync(delivery.StreamId, 0, int.MaxValue, cancellationToken);
            if (replayJobId is not null && RedeliveredBy(history, delivery.Id, replayJobId))
            {
                return null;
            }
            var lane = DeliveryLane.Fold(history.Select(EventSerializer.Deserialize).OfType<ILedgerEvent>());
            var decided = DeliveryLane.Redeliver(lane, delivery.Id, time.GetUtcNow())
                .Select(e => e is RedeliveryRequested requested ? requested with { ReplayJobId = replayJobId, Actor = actor?.Id, Ip = actor?.Ip } : e).ToList();
            var version = history.Count == 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(history[^1].Version);
            try
            {
                var now = time.GetUtcNow();
                var result = await store.AppendAsync(
                    [new StreamAppend(delivery.StreamId, version, [.. decided.Select(e => EventSerializer.ToNew(e, now))])], cancellationToken);
                return result.LastPosition;
            }
            catch (WrongExpectedVersionException) when (attempt < 5)
            {
                // The dispatcher wrote to the lane meanwhile; decide again on the new history.
            }
        }
    }

    /// <summary>
    /// Where several instances share the storage, brings this one's registry up to what the read models include, so
    /// a command never decides on configuration older than what another instance has already acknowledged.
    /// </summary>
    private Task CatchUpWithOtherInstancesAsync(CancellationToken cancellationToken) =>
        projections.CatchUpWithReadModelsAsync(cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);

    private async Task AppendConfigurationAsync(TenantId tenant, ILedgerEvent e, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var result = await store.AppendAsync(Streams.Tenant(tenant), ExpectedVersion.Any, EventSerializer.ToNew(e, now), cancellationToken);
        await projections.WaitForPositionAsync(result.LastPosition, cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);
    }

    private async Task EnsureDestinationAsync(string url, CancellationToken cancellationToken)
    {
        if (await destinations.RefusalAsync(new Uri(url), cancellationToken) is { } reason)
        {
            throw new DomainException(ErrorCodes.BlockedDestination, reason, "url");
        }
    }

    private static string NewSecret() => WhsecSecret.Create(RandomNumberGenerator.GetBytes(32));
}
