namespace Ledger.Domain.Portal;

/// <summary>
/// What one caller of the API may see and do within its tenant: an operator (an API key) everything; a portal token
/// its webhooks (or the whole tenant) and its capabilities. Anything outside the scope answers as if it did not exist.
/// </summary>
public sealed class CallerScope
{
    private CallerScope(string? portalTokenId, IReadOnlySet<string>? webhookIds, IReadOnlySet<string> capabilities, DateTimeOffset? expiresAt)
    {
        PortalTokenId = portalTokenId;
        WebhookIds = webhookIds;
        Capabilities = capabilities;
        ExpiresAt = expiresAt;
    }

    /// <summary>An API key: the whole tenant, every operation.</summary>
    public static CallerScope Operator { get; } = new(null, null, new HashSet<string>(PortalCapabilities.All, StringComparer.Ordinal), null);

    public static CallerScope Portal(string tokenId, IEnumerable<string>? webhookIds, IEnumerable<string> capabilities, DateTimeOffset? expiresAt = null) =>
        new(
            tokenId,
            webhookIds is null ? null : new HashSet<string>(webhookIds, StringComparer.Ordinal),
            new HashSet<string>([PortalCapabilities.Read, .. capabilities], StringComparer.Ordinal),
            expiresAt);

    /// <summary>The portal token's id (the actor), or null for an operator.</summary>
    public string? PortalTokenId { get; }

    /// <summary>The webhooks the caller is limited to, or null for the whole tenant.</summary>
    public IReadOnlySet<string>? WebhookIds { get; }

    public IReadOnlySet<string> Capabilities { get; }

    /// <summary>When a portal token stops working; null for an operator.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    public bool IsOperator => PortalTokenId is null;

    /// <summary>Limited to listed webhooks (not the whole tenant).</summary>
    public bool IsLimited => WebhookIds is not null;

    public bool Sees(string? webhookId) => WebhookIds is null || (webhookId is not null && WebhookIds.Contains(webhookId));

    public bool Can(string capability) => Capabilities.Contains(capability);

    /// <summary>
    /// Whether the caller may read a stream of its tenant: a limited token only its webhooks' <c>webhook-{id}</c> and
    /// <c>delivery-{id}…</c> streams (the tenant stream holds every webhook's configuration and every event).
    /// </summary>
    public bool SeesStream(string streamId)
    {
        if (WebhookIds is null)
        {
            return true;
        }
        if (streamId.StartsWith(Streams.WebhookPrefix, StringComparison.Ordinal))
        {
            return WebhookIds.Contains(streamId[Streams.WebhookPrefix.Length..]);
        }
        return Streams.WebhookOfLane(streamId) is { } lane && WebhookIds.Contains(lane.Value);
    }

    /// <summary>Whether a ledger event of this wire type may be shown: portal tokens never see portal tokens.</summary>
    public bool SeesEventType(string type) => IsOperator || !PortalTokens.IsTokenEvent(type);
}
