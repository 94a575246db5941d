// Verifies a Ledger webhook request in C# (.NET 8+), with nothing but the base library.
// body: the request body exactly as received; headers: the request's headers (names in any case).
// `now` is for tests; leave it out.
using System.Security.Cryptography;
using System.Text;

namespace LedgerReceiver;

public static class LedgerWebhookVerifier
{
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static bool Verify(string profile, string secret, IReadOnlyDictionary<string, string> headers, byte[] body, DateTimeOffset? now = null)
    {
        var h = headers.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value);
        var at = now ?? DateTimeOffset.UtcNow;
        return profile switch
        {
            "standard" => StandardWebhooks("webhook", secret, h, body, at),
            "svix" => StandardWebhooks("svix", secret, h, body, at),
            "kash" => Kash(secret, h, body, at),
            "v2k" => HexHmac(secret, h, body, "x-v2k-signature", ""),
            "generic" => HexHmac(secret, h, body, "x-webhook-signature", ""),
            "github" => HexHmac(secret, h, body, "x-hub-signature-256", "sha256="),
            _ => throw new ArgumentException($"unknown profile {profile}", nameof(profile)),
        };
    }

    // HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the base64 after "whsec_"; "v1,<base64>" per secret.
    private static bool StandardWebhooks(string prefix, string secret, Dictionary<string, string> h, byte[] body, DateTimeOffset now)
    {
        if (!h.TryGetValue(prefix + "-id", out var id) || !h.TryGetValue(prefix + "-signature", out var signatures)
            || !h.TryGetValue(prefix + "-timestamp", out var timestamp) || !long.TryParse(timestamp, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return false;
        }
        var key = secret.StartsWith("whsec_", StringComparison.Ordinal) ? Convert.FromBase64String(secret[6..]) : Encoding.UTF8.GetBytes(secret);
        byte[] signed = [.. Encoding.UTF8.GetBytes($"{id}.{timestamp}."), .. body];
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, signed));
        return signatures.Split(' ').Any(s => s.StartsWith("v1,", StringComparison.Ordinal) && Same(s[3..], expected));
    }

    // X-Kash-Signature "t=<unix ms>,v1=<hex>[,v1=<hex>]": hex HMAC-SHA256 of "{t}.{body}" keyed by the secret.
    private static bool Kash(string secret, Dictionary<string, string> h, byte[] body, DateTimeOffset now)
    {
        var parts = h.GetValueOrDefault("x-kash-signature", "").Split(',');
        var t = parts.FirstOrDefault(p => p.StartsWith("t=", StringComparison.Ordinal))?[2..];
        if (!long.TryParse(t, out var milliseconds) || (now - DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)).Duration() > Tolerance)
        {
            return false;
        }
        byte[] signed = [.. Encoding.UTF8.GetBytes(t + "."), .. body];
        var expected = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)).ToLowerInvariant();
        return parts.Any(p => p.StartsWith("v1=", StringComparison.Ordinal) && Same(p[3..], expected));
    }

    // Hex HMAC-SHA256 of the body; during a rotation the old secret's signature is in "<header>-Previous".
    private static bool HexHmac(string secret, Dictionary<string, string> h, byte[] body, string header, string prefix)
    {
        var expected = prefix + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)).ToLowerInvariant();
        var candidates = h.GetValueOrDefault(header, "").Split(',').Concat(h.GetValueOrDefault(header + "-previous", "").Split(','));
        return candidates.Any(c => c.Length > 0 && Same(c, expected));
    }

    private static bool Same(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
