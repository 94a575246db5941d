namespace Ledger.Domain;

/// <summary>The stream names of the contract (docs/rest.md).</summary>
public static class Streams
{
    public const string TenantPrefix = "tenant-";
    public const string WebhookPrefix = "webhook-";
    public const string DeliveryPrefix = "delivery-";

    /// <summary>Server-wide: API keys (hashed). No tenant reads it.</summary>
    public const string ApiKeys = "apikeys";

    /// <summary>Server-wide: the data keys, wrapped by the master key. No tenant reads it.</summary>
    public const string KeyRing = "keyring";

    /// <summary>Server-wide: the server's Ed25519 signing keys (private keys sealed). No tenant reads it.</summary>
    public const string SigningKeys = "signingkeys";

    public static string Tenant(TenantId tenant) => TenantPrefix + tenant.Value;

    public static string Webhook(WebhookId webhook) => WebhookPrefix + webhook.Value;

    /// <summary>The per-key lane: every delivery of one webhook and one ordering key, in order.</summary>
    public static string Delivery(WebhookId webhook, string? orderingKey) =>
        string.IsNullOrEmpty(orderingKey) ? DeliveryPrefix + webhook.Value : $"{DeliveryPrefix}{webhook.Value}~{orderingKey}";

    /// <summary>The webhook a lane belongs to, or null when the name is not a lane.</summary>
    public static WebhookId? WebhookOfLane(string streamId)
    {
        if (!streamId.StartsWith(DeliveryPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var rest = streamId.AsSpan(DeliveryPrefix.Length);
        var tilde = rest.IndexOf('~');
        return new WebhookId((tilde < 0 ? rest : rest[..tilde]).ToString());
    }

    /// <summary>Ordering keys become part of a stream name, so they are kept to URL-safe characters.</summary>
    public static bool IsValidOrderingKey(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= 128 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '@' or '=' or '+');
}
