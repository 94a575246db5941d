using Ledger.Domain;
using Ledger.Domain.Portal;

namespace Ledger.Projections.Portal;

/// <summary>A portal token as the server knows it (never the token itself).</summary>
public sealed record PortalTokenState(
    string Id,
    string TenantId,
    string TokenHash,
    IReadOnlyList<string>? WebhookIds,
    IReadOnlyList<string> Capabilities,
    DateTimeOffset ExpiresAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt)
{
    public TenantId Tenant => new(TenantId);

    public CallerScope Scope => CallerScope.Portal(Id, WebhookIds, Capabilities, ExpiresAt);

    public bool IsValidAt(DateTimeOffset now) => RevokedAt is null && now < ExpiresAt;
}
