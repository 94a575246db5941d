using Ledger.Application.Inspection;
using Ledger.Application.Portal;
using Ledger.Application.Replay;
using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.EventStore;
using Ledger.Projections;
using Ledger.Projections.Audit;
using Ledger.Projections.Stats;

namespace Ledger.Application.Access;

/// <summary>The services a <see cref="ScopedLedger"/> reads and commands through (singletons of the host).</summary>
public sealed class LedgerAccess(
    ReadModelQueries queries, LedgerService ledger, IEventStore store, WebhookRegistry registry, PortalTokenService portalTokens,
    ReplayJobs replays, AttemptRequestRenderer requests, Exports.ExportDownloads exports)
{
    /// <summary>The caller's view of its tenant; <paramref name="actor"/> is who the ledger records as doing what it does.</summary>
    public ScopedLedger For(TenantId tenant, CallerScope scope, CommandActor? actor = null) => new(this, tenant, scope, actor);

    internal ReadModelQueries Queries => queries;

    internal LedgerService Ledger => ledger;

    internal IEventStore Store => store;

    internal WebhookRegistry Registry => registry;

    internal PortalTokenService PortalTokens => portalTokens;

    internal ReplayJobs Replays => replays;

    internal AttemptRequestRenderer Requests => requests;

    internal Exports.ExportDownloads Exports => exports;
}

/// <summary>
/// The tenant's ledger as one caller may see and change it: the one place where a caller's scope is enforced for
/// reads and commands alike (subscriptions ask the same <see cref="CallerScope"/>). What is outside the scope answers
/// as if it did not exist (null, an empty list, NOT_FOUND); what the caller sees but may not do is FORBIDDEN.
/// </summary>
public sealed partial class ScopedLedger
{
    private readonly LedgerAccess _access;

    internal ScopedLedger(LedgerAccess access, TenantId tenant, CallerScope scope, CommandActor? actor)
    {
        _access = access;
        Tenant = tenant;
        Scope = scope;
        Actor = actor ?? new CommandActor(scope.PortalTokenId ?? "api-key", null);
    }

    public TenantId Tenant { get; }

    public CallerScope Scope { get; }

    /// <summary>
    /// Who the ledger records as doing what this caller does: its API key's id or portal token's id, and its IP (a caller
    /// made without one, in-process, is recorded as its token id or <c>api-key</c>).
    /// </summary>
    public CommandActor Actor { get; }

    /// <summary>What this caller may be shown of an actor recorded in the ledger: operators everything; a portal token only itself.</summary>
    public string? ShownActor(string? actor) => Scope.IsOperator || actor is null || actor == Scope.PortalTokenId ? actor : HiddenActor;

    /// <summary>What a portal token is shown in place of another actor.</summary>
    public const string HiddenActor = "hidden";

    private ReadModelQueries Queries => _access.Queries;

    // Reads.

    public async Task<WebhookView?> GetWebhookAsync(string id, CancellationToken cancellationToken) =>
        Scope.Sees(id) ? await Queries.GetWebhookAsync(Tenant, id, cancellationToken) : null;

    /// <summary>Webhooks by id (deleted ones included: a delivery names the webhook it went to).</summary>
    public async Task<IReadOnlyDictionary<string, WebhookView>> GetWebhooksAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        await Queries.GetWebhooksAsync(Tenant, [.. ids.Where(Scope.Sees)], cancellationToken);

    public async Task<Page<WebhookView>> ListWebhooksAsync(int limit, string? after, CancellationToken cancellationToken)
    {
        if (Scope.WebhookIds is not { } visible)
        {
            return await Queries.ListWebhooksAsync(Tenant, limit, after, cancellationToken);
        }
        // A limited caller has at most a hundred webhooks: page them here, with the read model's cursors.
        var (afterMicros, afterId) = ReadModelQueries.DecodeCursor(after);
        limit = limit <= 0 ? 50 : Math.Min(limit, ReadModelQueries.MaxPageSize);
        var rows = (await Queries.GetWebhooksAsync(Tenant, [.. visible], cancellationToken)).Values
            .Where(w => !IsDeleted(w))
            .Select(w => (Micros: Micros.From(w.CreatedAt), Webhook: w))
            .Where(w => afterMicros is null || w.Micros > afterMicros || (w.Micros == afterMicros && string.CompareOrdinal(w.Webhook.Id, afterId) > 0))
            .OrderBy(w => w.Micros).ThenBy(w => w.Webhook.Id, StringComparer.Ordinal)
            .Select(w => w.Webhook)
            .ToList();
        return rows.Count > limit
            ? new Page<WebhookView>(rows[..limit], ReadModelQueries.EncodeCursor(Micros.From(rows[limit - 1].CreatedAt), rows[limit - 1].Id))
            : new Page<WebhookView>(rows, null);
    }

    public async Task<int> CountWebhooksAsync(CancellationToken cancellationToken) =>
        Scope.WebhookIds is { } visible
            ? (await Queries.GetWebhooksAsync(Tenant, [.. visible], cancellationToken)).Values.Count(w => !IsDeleted(w))
            : await Queries.CountWebhooksAsync(Tenant, cancellationToken);

    public async Task<EventView?> GetEventAsync(string id, CancellationToken cancellationToken) =>
        (await GetEventsAsync([id], cancellationToken)).GetValueOrDefault(id);

    /// <summary>Events by id; a limited caller sees an event only when one of its deliveries went to a webhook it sees.</summary>
    public async Task<IReadOnlyDictionary<string, EventView>> GetEventsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var events = await Queries.GetEventsAsync(Tenant, ids, cancellationToken);
        if (!Scope.IsLimited || events.Count == 0)
        {
            return events;
        }
        var deliveries = await GetDeliveriesOfEventsAsync([.. events.Keys], cancellationToken);
        return events.Where(e => deliveries.ContainsKey(e.Key)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
    }

    public async Task<DeliveryView?> FindDeliveryAsync(string id, CancellationToken cancellationToken) =>
        await _access.Ledger.FindDeliveryAsync(Tenant, id, cancellationToken) is { } delivery && Scope.Sees(delivery.WebhookId) ? delivery : null;

    public async Task<IReadOnlyDictionary<string, DeliveryView>> GetDeliveriesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        (await Queries.GetDeliveriesAsync(Tenant, ids, cancellationToken)).Where(d => Scope.Sees(d.Value.WebhookId)).ToDictionary(StringComparer.Ordinal);

    /// <summary>The deliveries of several events that the caller sees; events with none are left out.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<DeliveryView>>> GetDeliveriesOfEventsAsync(
        IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var all = await Queries.GetDeliveriesOfEventsAsync(Tenant, eventIds, cancellationToken);
        if (!Scope.IsLimited)
        {
            return all;
        }
        var visible = new Dictionary<string, IReadOnlyList<DeliveryView>>(StringComparer.Ordinal);
        foreach (var (eventId, deliveries) in all)
        {
            if (deliveries.Where(d => Scope.Sees(d.WebhookId)).ToList() is { Count: > 0 } seen)
            {
                visible[eventId] = seen;
            }
        }
        return visible;
    }

    /// <summary>Attempts of deliveries the caller has already been shown (their ids come from visible deliveries).</summary>
    public Task<IReadOnlyDictionary<string, IReadOnlyList<AttemptView>>> GetAttemptsOfDeliveriesAsync(
        IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken) =>
        Queries.GetAttemptsOfDeliveriesAsync(Tenant, deliveryIds, cancellationToken);

    public async Task<Page<DeliveryView>> ListDeliveriesAsync(DeliveryFilter filter, int limit, string? after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.WebhookId is { } webhookId && !Scope.Sees(webhookId))
        {
            return new Page<DeliveryView>([], null);
        }
        var scoped = Scope.WebhookIds is { } visible && filter.WebhookId is null ? filter with { WebhookIds = [.. visible] } : filter;
        return await Queries.ListDeliveriesAsync(Tenant, scoped, limit, after, cancellationToken);
    }

    /// <summary>Counts and latency of one webhook the caller sees, or of every webhook it sees.</summary>
    public async Task<DeliveryStats> GetStatsAsync(string? webhookId, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        if (webhookId is not null && (!Scope.Sees(webhookId) || _access.Registry.Find(webhookId)?.TenantId != Tenant.Value))
        {
            throw DomainException.NotFound("webhook");
        }
        return await Queries.GetStatsAsync(Tenant, webhookId, since, cancellationToken, Scope.WebhookIds is { } visible ? [.. visible] : null);
    }

    /// <summary>
    /// Statistics over time of one webhook the caller sees or, without one, of every webhook it sees: a limited caller
    /// gets its webhooks' series added up (the tenant's row counts every webhook).
    /// </summary>
    public async Task<IReadOnlyList<StatsBucketView>> GetStatsSeriesAsync(
        string? webhookId, string granularity, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (webhookId is not null)
        {
            if (!Scope.Sees(webhookId) || _access.Registry.Find(webhookId)?.TenantId != Tenant.Value)
            {
                throw DomainException.NotFound("webhook");
            }
            return await Queries.GetStatsSeriesAsync(Tenant, webhookId, granularity, since, until, cancellationToken);
        }
        if (Scope.WebhookIds is not { Count: > 0 } visible)
        {
            return await Queries.GetStatsSeriesAsync(Tenant, null, granularity, since, until, cancellationToken);
        }
        var series = new List<IReadOnlyList<StatsBucketView>>();
        foreach (var id in visible.Order(StringComparer.Ordinal))
        {
            series.Add(await Queries.GetStatsSeriesAsync(Tenant, id, granularity, since, until, cancellationToken));
        }
        return [.. series[0].Select((bucket, i) => StatsBucketView.Sum(bucket.Start, bucket.End, [.. series.Select(s => s[i])]))];
    }

    /// <summary>Each attempt of a delivery the caller sees, re-rendered as it was sent (by attempt number); empty otherwise.</summary>
    public async Task<IReadOnlyDictionary<int, RenderedAttempt>> RenderAttemptsAsync(string deliveryId, CancellationToken cancellationToken) =>
        await Queries.GetDeliveryAsync(Tenant, deliveryId, cancellationToken) is { } delivery && Scope.Sees(delivery.WebhookId)
            ? await _access.Requests.RenderAsync(Tenant, delivery, cancellationToken)
            : new Dictionary<int, RenderedAttempt>();

    /// <summary>A bulk replay job the caller sees: a limited caller only jobs confined to its webhooks.</summary>
    public ReplayJobView? FindReplayJob(string id) =>
        _access.Replays.Find(Tenant, id) is { } job && SeesJob(job) ? job : null;

    public IReadOnlyList<ReplayJobView> ListReplayJobs() => [.. _access.Replays.OfTenant(Tenant).Where(SeesJob)];

    /// <summary>Progress of a job the caller sees (NOT_FOUND otherwise).</summary>
    public IDisposable WatchReplayJob(string id, Action<ReplayJobView> changed, Action ended)
    {
        _ = FindReplayJob(id) ?? throw DomainException.NotFound("replay job");
        return _access.Replays.Watch(Tenant, id, changed, ended);
    }

    /// <summary>
    /// One ledger stream of the tenant, if the caller may read it (a limited caller: its webhooks' <c>webhook-</c> and
    /// <c>delivery-</c> streams); any other name is NOT_FOUND. Portal tokens never see portal-token events.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion, int maxCount, CancellationToken cancellationToken)
    {
        if (!StreamAccess.Allows(Tenant, streamId, _access.Registry) || !Scope.SeesStream(streamId))
        {
            throw DomainException.NotFound("stream");
        }
        if (maxCount == 0)
        {
            return [];
        }
        var events = await _access.Store.ReadStreamAsync(streamId, fromVersion, maxCount, cancellationToken);
        return Scope.IsOperator ? events : [.. events.Where(e => Scope.SeesEventType(e.Type))];
    }

    /// <summary>The tenant's audit trail, newest first; operators only (portal tokens never see actors or IPs).</summary>
    public Task<Page<AuditEntryView>> ListAuditAsync(DateTimeOffset? since, string? actor, int limit, string? after, CancellationToken cancellationToken)
    {
        RequireOperator("read the audit trail");
        return Queries.ListAuditAsync(Tenant, since, actor, limit, after, cancellationToken);
    }

    /// <summary>NOT_FOUND when a subscription names a webhook the caller does not see.</summary>
    public void EnsureSees(string? webhookId)
    {
        if (webhookId is not null && !Scope.Sees(webhookId))
        {
            throw DomainException.NotFound("webhook");
        }
    }

    // Commands.

    public Task<PublishResult> PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        RequireOperator("publish events");
        return _access.Ledger.PublishAsync(Tenant, request, cancellationToken);
    }

    public Task<WebhookCreated> CreateWebhookAsync(WebhookSettings settings, CancellationToken cancellationToken)
    {
        Require(PortalCapabilities.Manage, "create webhooks");
        if (Scope.IsLimited)
        {
            throw DomainException.Forbidden("a portal token limited to webhook ids cannot create webhooks");
        }
        return _access.Ledger.CreateWebhookAsync(Tenant, settings, cancellationToken, Actor);
    }

    public Task<WebhookView> UpdateWebhookAsync(string id, WebhookSettings patch, CancellationToken cancellationToken)
    {
        RequireOnWebhook(id, PortalCapabilities.Manage, "edit webhooks");
        return _access.Ledger.UpdateWebhookAsync(Tenant, id, patch, cancellationToken, Actor);
    }

    public Task DeleteWebhookAsync(string id, CancellationToken cancellationToken)
    {
        EnsureSees(id);
        RequireOperator("delete webhooks");
        return _access.Ledger.DeleteWebhookAsync(Tenant, id, cancellationToken, Actor);
    }

    public Task<WebhookCreated> RotateSecretAsync(string id, int? overlapHours, CancellationToken cancellationToken)
    {
        RequireOnWebhook(id, PortalCapabilities.Manage, "rotate secrets");
        return _access.Ledger.RotateSecretAsync(Tenant, id, overlapHours, cancellationToken, Actor);
    }

    public Task<DeliveryView> SendTestAsync(string webhookId, CancellationToken cancellationToken)
    {
        RequireOnWebhook(webhookId, PortalCapabilities.Manage, "send test events");
        return _access.Ledger.SendTestAsync(Tenant, webhookId, cancellationToken);
    }

    /// <summary>What <c>resetCircuitBreaker</c> answers: the webhook, for a caller that may manage it.</summary>
    public async Task<WebhookView> ResetCircuitBreakerAsync(string webhookId, CancellationToken cancellationToken)
    {
        RequireOnWebhook(webhookId, PortalCapabilities.Manage, "reset circuit breakers");
        return await _access.Ledger.ResetCircuitBreakerAsync(Tenant, webhookId, cancellationToken, Actor);
    }

    public async Task<DeliveryView> RedeliverAsync(string deliveryId, CancellationToken cancellationToken)
    {
        _ = await FindDeliveryAsync(deliveryId, cancellationToken) ?? throw DomainException.NotFound("delivery");
        Require(PortalCapabilities.Replay, "redeliver");
        return await _access.Ledger.RedeliverAsync(Tenant, deliveryId, cancellationToken, Actor);
    }

    /// <summary>The settled deliveries of one event that the caller sees, again.</summary>
    public async Task<IReadOnlyList<DeliveryView>> RedeliverEventAsync(string eventId, CancellationToken cancellationToken)
    {
        if (Scope.IsLimited && await GetEventAsync(eventId, cancellationToken) is null)
        {
            throw DomainException.NotFound("event");
        }
        Require(PortalCapabilities.Replay, "redeliver");
        return await _access.Ledger.RedeliverEventAsync(Tenant, eventId, d => Scope.Sees(d.WebhookId), cancellationToken, Actor);
    }

    public Task<int> ReplayFailedAsync(string webhookId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        RequireOnWebhook(webhookId, PortalCapabilities.Replay, "replay");
        return _access.Ledger.ReplayFailedAsync(Tenant, webhookId, since, cancellationToken, Actor);
    }

    /// <summary>A bulk replay over webhooks the caller sees (a limited caller's filter is confined to its webhooks); needs replay.</summary>
    public Task<ReplayJobView> StartReplayAsync(ReplaySelection selection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        foreach (var webhookId in new[] { selection.WebhookId, selection.Filter?.WebhookId }.OfType<string>())
        {
            EnsureSees(webhookId);
        }
        Require(PortalCapabilities.Replay, "replay");
        if (Scope.WebhookIds is { } visible && selection is { WebhookId: null, Filter: { WebhookId: null } filter })
        {
            selection = selection with { Filter = filter with { WebhookIds = [.. visible] } };
        }
        return _access.Replays.StartAsync(Tenant, Actor, selection, cancellationToken);
    }

    public async Task<ReplayJobView> CancelReplayAsync(string id, CancellationToken cancellationToken)
    {
        _ = FindReplayJob(id) ?? throw DomainException.NotFound("replay job");
        Require(PortalCapabilities.Replay, "cancel replays");
        return await _access.Replays.CancelAsync(Tenant, Actor, id, cancellationToken);
    }

    public Task<PortalTokenIssued> CreatePortalTokenAsync(PortalTokenRequest request, CancellationToken cancellationToken)
    {
        RequireOperator("create portal tokens");
        return _access.PortalTokens.CreateAsync(Tenant, request, cancellationToken, Actor);
    }

    public Task RevokePortalTokenAsync(string tokenId, CancellationToken cancellationToken)
    {
        RequireOperator("revoke portal tokens");
        return _access.PortalTokens.RevokeAsync(Tenant, tokenId, cancellationToken, Actor);
    }

    /// <summary>NOT_FOUND for a webhook outside the scope, FORBIDDEN without the capability (the command checks the tenant).</summary>
    private void RequireOnWebhook(string webhookId, string capability, string what)
    {
        if (!Scope.Sees(webhookId))
        {
            throw DomainException.NotFound("webhook");
        }
        Require(capability, what);
    }

    private void Require(string capability, string what)
    {
        if (!Scope.Can(capability))
        {
            throw DomainException.Forbidden($"this portal token may not {what}: that needs the {capability} capability");
        }
    }

    private void RequireOperator(string what)
    {
        if (!Scope.IsOperator)
        {
            throw DomainException.Forbidden($"portal tokens may not {what}; use an API key");
        }
    }

    private bool SeesJob(ReplayJobView job) => !Scope.IsLimited || (job.WebhookIds is { Count: > 0 } ids && ids.All(Scope.Sees));

    private bool IsDeleted(WebhookView webhook) => _access.Registry.Find(Tenant, webhook.Id) is null;
}
