using Ledger.Domain;

namespace Ledger.Projections;

/// <summary>Which ledger streams a tenant may read: its own, and those of its webhooks (deleted ones included).</summary>
public static class StreamAccess
{
    public static bool Allows(TenantId tenant, string streamId, WebhookRegistry registry) => TenantOf(streamId, registry) == tenant.Value;

    /// <summary>The tenant a stream belongs to, or null for server-wide streams (API keys) and unknown webhooks.</summary>
    public static string? TenantOf(string streamId, WebhookRegistry registry)
    {
        if (streamId.StartsWith(Streams.TenantPrefix, StringComparison.Ordinal))
        {
            return streamId[Streams.TenantPrefix.Length..];
        }
        WebhookId? webhook = streamId.StartsWith(Streams.WebhookPrefix, StringComparison.Ordinal)
            ? new WebhookId(streamId[Streams.WebhookPrefix.Length..])
            : Streams.WebhookOfLane(streamId);
        return webhook is { } id ? registry.Find(id.Value)?.TenantId : null;
    }
}
