namespace Ledger.Domain.Portal;

// The tenant-{tenantId} stream: portal tokens, by hash only. Portal tokens never see these events.

/// <summary>
/// A portal token for the Webhook Inspector: the SHA-256 of the token (the token itself is shown once, when it is made),
/// the webhooks it is limited to (null: the whole tenant), what it may do, and when it stops working.
/// </summary>
[EventType("portal-token.created.v1")]
public sealed record PortalTokenCreated(
    string TokenId,
    string TokenHash,
    IReadOnlyList<string>? WebhookIds,
    IReadOnlyList<string> Capabilities,
    DateTimeOffset ExpiresAt,
    DateTimeOffset CreatedAt,
    string? Actor = null,
    string? Ip = null) : ILedgerEvent, IAudited;

[EventType("portal-token.revoked.v1")]
public sealed record PortalTokenRevoked(string TokenId, DateTimeOffset RevokedAt, string? Actor = null, string? Ip = null) : ILedgerEvent, IAudited;
