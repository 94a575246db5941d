using System.Collections.Concurrent;
using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Projections;

/// <summary>
/// Every webhook's configuration in memory, secrets included: what publishing matches against and the dispatcher
/// signs with. Loaded from the webhooks read model, then kept current by the projection runner after each commit.
/// </summary>
public sealed class WebhookRegistry : IProjectionObserver
{
    private readonly ConcurrentDictionary<string, WebhookState> _webhooks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public event Action<WebhookState>? Changed;

    public WebhookState? Find(string webhookId) => _webhooks.GetValueOrDefault(webhookId);

    public WebhookState? Find(TenantId tenant, string webhookId) =>
        _webhooks.TryGetValue(webhookId, out var webhook) && webhook.TenantId == tenant.Value && !webhook.Deleted ? webhook : null;

    public IReadOnlyList<WebhookState> OfTenant(TenantId tenant) =>
        [.. _webhooks.Values.Where(w => w.TenantId == tenant.Value && !w.Deleted).OrderBy(w => w.CreatedAt).ThenBy(w => w.WebhookId, StringComparer.Ordinal)];

    public async Task LoadAsync(ReadModelDatabase database, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var sql = new SqlSession(connection, null);
        var rows = await sql.QueryAsync(
            """
            SELECT id, tenant_id, url, events, description, profile, secret, previous_secret, previous_secret_expires_at, active,
                ordering, retry_schedule, max_attempt_age_seconds, rate_limit_per_minute, filters, metadata, created_at, updated_at, deleted,
                disabled_reason, disable_after_failures
            FROM webhooks LEFT JOIN webhook_policies ON webhook_policies.webhook_id = webhooks.id
            """,
            r => new WebhookState(
                r.GetString(0), r.GetString(1), r.GetString(2), Json<List<string>>(r.GetString(3))!, r.NullableString(4), r.GetString(5),
                r.GetString(6), r.NullableString(7), r.NullableTime(8), r.Int(9) == 1, r.GetString(10),
                r.NullableString(11) is { } schedule ? Json<List<int>>(schedule) : null, r.NullableInt(12), r.NullableInt(13),
                r.NullableString(14) is { } filters ? Json<WebhookFilters>(filters) : null,
                r.NullableString(15) is { } metadata ? Json<Dictionary<string, string>>(metadata) : null,
                r.Time(16), r.Time(17), r.Int(18) == 1, r.NullableString(19), r.NullableInt(20)),
            cancellationToken);
        foreach (var webhook in rows)
        {
            _webhooks[webhook.WebhookId] = webhook;
        }
    }

    public void OnCommitted(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, long position)
    {
        foreach (var (stored, e) in batch)
        {
            if (WebhookDecider.WebhookIdOf(e) is not { } id)
            {
                continue;
            }
            WebhookState? next;
            lock (_gate)
            {
                var current = _webhooks.GetValueOrDefault(id);
                var tenant = StreamTenant.Of(stored.StreamId) ?? current?.TenantId ?? "";
                next = WebhookDecider.Evolve(current, tenant, e);
                if (next is not null)
                {
                    _webhooks[id] = next;
                }
            }
            if (next is not null)
            {
                Changed?.Invoke(next);
            }
        }
    }

    private static T? Json<T>(string json) => JsonSerializer.Deserialize<T>(json, EventSerializer.Options);
}
