using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.EventStore;

namespace Ledger.Projections.Portal;

/// <summary>Portal tokens by hash, one row each, so that a starting server loads them without reading tenant streams.</summary>
public sealed class PortalTokensProjection : IProjection
{
    public const string Table = "portal_tokens";

    public const string Schema =
        """
        CREATE TABLE IF NOT EXISTS portal_tokens (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, token_hash TEXT NOT NULL, webhook_ids TEXT, capabilities TEXT NOT NULL,
            expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT)
        """;

    public string Name => "portal-tokens";

    public void Apply(SqlSession sql, StoredEvent stored, ILedgerEvent e)
    {
        switch (e)
        {
            case PortalTokenCreated x:
                sql.Execute(
                    """
                    INSERT INTO portal_tokens (id, tenant_id, token_hash, webhook_ids, capabilities, expires_at, created_at)
                    VALUES (@id, @tenant, @hash, @webhooks, @capabilities, @expires, @created)
                    ON CONFLICT (id) DO NOTHING
                    """,
                    ("@id", x.TokenId), ("@tenant", StreamTenant.Of(stored.StreamId)), ("@hash", x.TokenHash), ("@webhooks", StreamTenant.JsonOrNull(x.WebhookIds)),
                    ("@capabilities", StreamTenant.Json(x.Capabilities)), ("@expires", Micros.From(x.ExpiresAt)), ("@created", Micros.From(x.CreatedAt)));
                break;
            case PortalTokenRevoked x:
                sql.Execute("UPDATE portal_tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL", ("@at", Micros.From(x.RevokedAt)), ("@id", x.TokenId));
                break;
        }
    }
}
