using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;

namespace Ledger.Application;

/// <summary>
/// Operational events (what Svix calls operational webhooks): when a breaker opens or closes or Ledger disables a
/// webhook, an event of type <c>ledger.circuit.opened</c>, <c>ledger.circuit.closed</c> or <c>ledger.webhook.disabled</c>
/// is published to the webhook's tenant, for the tenant's webhooks that subscribe to it. The webhook it describes
/// never gets it, so a sick endpoint's own breaker never hears about itself. The event id is derived from the
/// transition's place in <c>webhook-{id}</c>, so reacting twice (after a crash) publishes once.
/// </summary>
public sealed class OperationalEvents(IEventStore store, WebhookRegistry registry, TimeProvider time)
{
    public const string CircuitOpenedType = "ledger.circuit.opened";
    public const string CircuitClosedType = "ledger.circuit.closed";
    public const string WebhookDisabledType = "ledger.webhook.disabled";

    private readonly IdGenerator _ids = new(time);

    /// <summary>Publishes the operational events of the transitions in <paramref name="batch"/>.</summary>
    public async Task PublishAsync(IReadOnlyList<StoredEvent> batch, CancellationToken cancellationToken)
    {
        foreach (var stored in batch)
        {
            if (!stored.StreamId.StartsWith(Streams.WebhookPrefix, StringComparison.Ordinal)
                || EventSerializer.Deserialize(stored) is not { } e
                || Describe(e) is not { } described
                || registry.Find(described.WebhookId) is not { } webhook)
            {
                continue;
            }
            var tenant = new TenantId(webhook.TenantId);
            var eventId = $"ledger_{described.WebhookId}_{stored.Version}";
            var stream = Streams.Tenant(tenant);
            if (await store.FindByIdempotencyKeyAsync(stream, eventId, cancellationToken) is not null)
            {
                continue;
            }
            var data = JsonSerializer.SerializeToElement(described.Data, EventSerializer.Options);
            var deliveries = registry.OfTenant(tenant)
                .Where(w => w.WebhookId != described.WebhookId && w.Wants(described.Type, data))
                .Select(w => new PlannedDelivery(_ids.NewDeliveryId().Value, w.WebhookId))
                .ToList();
            var now = time.GetUtcNow();
            var published = new EventPublished(eventId, described.Type, data, null, null, null, now, deliveries);
            try
            {
                await store.AppendAsync(stream, ExpectedVersion.Any, EventSerializer.ToNew(published, now, eventId), cancellationToken);
            }
            catch (DuplicateEventException)
            {
            }
        }
    }

    private static (string WebhookId, string Type, object Data)? Describe(ILedgerEvent e) => e switch
    {
        CircuitOpened x => (x.WebhookId, CircuitOpenedType, new
        {
            webhookId = x.WebhookId,
            consecutiveFailures = x.ConsecutiveFailures,
            lastFailureCode = x.LastFailureCode,
            lastStatusCode = x.LastStatusCode,
            lastFailureAt = x.LastFailureAt,
            openedAt = x.OpenedAt,
            nextProbeAt = x.ProbeAt,
        }),
        CircuitClosed x => (x.WebhookId, CircuitClosedType, new { webhookId = x.WebhookId, reason = x.Reason, closedAt = x.ClosedAt }),
        WebhookDisabled x => (x.WebhookId, WebhookDisabledType, new
        {
            webhookId = x.WebhookId,
            reason = x.Reason,
            consecutiveFailures = x.ConsecutiveFailures,
            disabledAt = x.DisabledAt,
        }),
        _ => null,
    };
}
