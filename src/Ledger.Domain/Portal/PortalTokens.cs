using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Domain.Portal;

/// <summary>Portal tokens: their ids, the tokens themselves, the hash they are kept by, and the decisions on them.</summary>
public static class PortalTokens
{
    public const string IdPrefix = "pt_";
    public const string TokenPrefix = "ldgpt_";
    public const int MinExpiresInSeconds = 60;
    public const int MaxExpiresInSeconds = 30 * 24 * 3600;
    public const int DefaultExpiresInSeconds = 3600;
    public const int MaxWebhookIds = 100;

    private const string EventPrefix = "portal-token.";

    /// <summary>A new token: 32 random bytes, URL-safe, so it can ride in <c>/inspector?token=</c> unescaped.</summary>
    public static string NewToken() =>
        TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Lowercase hex SHA-256: the token is 32 random bytes, so a fast hash is enough.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static bool IsTokenEvent(string type) => type.StartsWith(EventPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Decides a new token. Capabilities are required (any case; kept lowercase, each once); webhook ids are null
    /// for the whole tenant or 1 to <see cref="MaxWebhookIds"/> webhooks of the tenant (an unknown one is NOT_FOUND,
    /// as another tenant's id is everywhere); the lifetime is 60 s to 30 days.
    /// </summary>
    public static PortalTokenCreated Create(
        string tokenId, string tokenHash, IReadOnlyList<string>? webhookIds, IReadOnlyList<string>? capabilities, int? expiresInSeconds,
        Func<string, bool> webhookExists, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(webhookExists);
        if (capabilities is null || capabilities.Count == 0)
        {
            throw DomainException.Validation("capabilities", "capabilities lists at least one of read, replay, manage");
        }
        var normalized = new List<string>();
        foreach (var capability in capabilities)
        {
            var known = PortalCapabilities.All.FirstOrDefault(c => string.Equals(c, capability, StringComparison.OrdinalIgnoreCase))
                ?? throw DomainException.Validation("capabilities", $"capability '{capability}' is not one of read, replay, manage");
            if (!normalized.Contains(known))
            {
                normalized.Add(known);
            }
        }
        var lifetime = expiresInSeconds ?? DefaultExpiresInSeconds;
        if (lifetime is < MinExpiresInSeconds or > MaxExpiresInSeconds)
        {
            throw DomainException.Validation(
                "expiresInSeconds", string.Create(CultureInfo.InvariantCulture, $"expiresInSeconds must be between {MinExpiresInSeconds} and {MaxExpiresInSeconds} (30 days)"));
        }
        List<string>? webhooks = null;
        if (webhookIds is not null)
        {
            if (webhookIds.Count is 0 or > MaxWebhookIds)
            {
                throw DomainException.Validation(
                    "webhookIds", string.Create(CultureInfo.InvariantCulture, $"webhookIds is null for the whole tenant, or lists 1 to {MaxWebhookIds} webhooks"));
            }
            webhooks = [.. webhookIds.Distinct(StringComparer.Ordinal)];
            if (webhooks.FirstOrDefault(id => !webhookExists(id)) is { } unknown)
            {
                throw new DomainException(ErrorCodes.NotFound, $"webhook {unknown} not found", "webhookIds");
            }
        }
        return new PortalTokenCreated(
            tokenId, tokenHash, webhooks, [.. PortalCapabilities.All.Where(normalized.Contains)], now.AddSeconds(lifetime), now);
    }
}
