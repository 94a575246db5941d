using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.EventStore;

namespace Ledger.Projections.Audit;

/// <summary>
/// The audit trail (docs/audit.md): one row per command a caller made — who (API key or portal token id), from where
/// (client IP), what and on what — by ledger position, so <c>GET /v1/audit</c> pages an index instead of reading
/// streams. Commands written before actors were recorded appear with no actor. It runs before the webhooks projection,
/// so an update can tell an enable or a disable from the webhook row as it was.
/// </summary>
public sealed class AuditProjection : IProjection
{
    public const string Table = "audit";

    public string Name => "audit";

    public static IReadOnlyList<string> Statements(string text) =>
    [
        $"""
        CREATE TABLE IF NOT EXISTS audit (
            position BIGINT PRIMARY KEY, tenant_id {text} NOT NULL, occurred_at BIGINT NOT NULL, actor {text}, ip TEXT,
            action TEXT NOT NULL, subject TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS audit_by_tenant ON audit (tenant_id, position)",
        "CREATE INDEX IF NOT EXISTS audit_by_actor ON audit (tenant_id, actor, position)",
    ];

    public void Apply(SqlSession sql, StoredEvent stored, ILedgerEvent e)
    {
        if (e is not IAudited audited)
        {
            return;
        }
        var tenant = StreamTenant.Of(stored.StreamId);
        switch (e)
        {
            case WebhookRegistered x:
                Insert(sql, stored, tenant, audited, "'webhook.created'", x.WebhookId);
                break;
            case WebhookUpdated x:
                Insert(sql, stored, tenant, audited,
                    """
                    COALESCE((SELECT CASE WHEN active = 0 AND @active = 1 THEN 'webhook.enabled' WHEN active = 1 AND @active = 0 THEN 'webhook.disabled'
                        ELSE 'webhook.updated' END FROM webhooks WHERE id = @subject), 'webhook.updated')
                    """,
                    x.WebhookId, ("@active", x.Active ? 1 : 0));
                break;
            case WebhookDeleted x:
                Insert(sql, stored, tenant, audited, "'webhook.deleted'", x.WebhookId);
                break;
            case SecretRotated x:
                Insert(sql, stored, tenant, audited, "'webhook.secret-rotated'", x.WebhookId);
                break;
            case CircuitClosed { Reason: PolicyReasons.Reset } x:
                InsertFor(sql, stored, audited, "'webhook.circuit-reset'", x.WebhookId, "webhooks", x.WebhookId);
                break;
            case RedeliveryRequested { ReplayJobId: null } x:
                InsertFor(sql, stored, audited, "'delivery.redelivered'", x.DeliveryId, "deliveries", x.DeliveryId);
                break;
            case ReplayJobStarted x:
                Insert(sql, stored, tenant, audited, "'replay.started'", x.JobId);
                break;
            case ReplayJobCancelRequested x:
                Insert(sql, stored, tenant, audited, "'replay.cancelled'", x.JobId);
                break;
            case PortalTokenCreated x:
                Insert(sql, stored, tenant, audited, "'portal-token.created'", x.TokenId);
                break;
            case PortalTokenRevoked x:
                Insert(sql, stored, tenant, audited, "'portal-token.revoked'", x.TokenId);
                break;
            case ApiKeyCreated x:
                Insert(sql, stored, x.TenantId, audited, "'api-key.created'", x.KeyId ?? ApiKeyIds.Legacy(stored.Version, x.CreatedAt));
                break;
            case ApiKeyRevoked x:
                Insert(sql, stored, x.TenantId, audited, "'api-key.revoked'", x.KeyId);
                break;
            case ExportRequested x:
                Insert(sql, stored, tenant, audited, "'export.requested'", x.Parameters.Length == 0 ? x.Kind : $"{x.Kind} {x.Parameters}");
                break;
        }
    }

    private static void Insert(
        SqlSession sql, StoredEvent stored, string? tenant, IAudited audited, string action, string subject, params (string Name, object? Value)[] more)
    {
        if (tenant is null)
        {
            return;
        }
        sql.Execute(
            $"""
            INSERT INTO audit (position, tenant_id, occurred_at, actor, ip, action, subject)
            VALUES (@position, @tenant, @at, @actor, @ip, {action}, @subject)
            ON CONFLICT (position) DO NOTHING
            """,
            [.. Parameters(stored, audited, subject), ("@tenant", tenant), .. more]);
    }

    /// <summary>An audit row for an event outside the tenant stream: its tenant is the one of the <paramref name="table"/> row it names.</summary>
    private static void InsertFor(SqlSession sql, StoredEvent stored, IAudited audited, string action, string subject, string table, string id) =>
        sql.Execute(
            $"""
            INSERT INTO audit (position, tenant_id, occurred_at, actor, ip, action, subject)
            SELECT @position, tenant_id, @at, @actor, @ip, {action}, @subject FROM {table} WHERE id = @id
            ON CONFLICT (position) DO NOTHING
            """,
            [.. Parameters(stored, audited, subject), ("@id", id)]);

    private static (string Name, object? Value)[] Parameters(StoredEvent stored, IAudited audited, string subject) =>
        [("@position", stored.Position), ("@at", Micros.From(stored.OccurredAt)), ("@actor", audited.Actor), ("@ip", audited.Ip), ("@subject", subject)];
}
