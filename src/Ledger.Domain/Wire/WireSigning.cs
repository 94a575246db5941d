using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Domain.Wire;

/// <summary>The HMAC-SHA256 schemes of the profiles.</summary>
internal static class WireSigning
{
    public static void RequireSecrets(IReadOnlyList<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (secrets.Count == 0)
        {
            throw new ArgumentException("a delivery is signed with at least one secret", nameof(secrets));
        }
        foreach (var secret in secrets)
        {
            if (string.IsNullOrEmpty(secret))
            {
                throw new ArgumentException("a signing secret is empty", nameof(secrets));
            }
        }
    }

    /// <summary>Lowercase hex HMAC-SHA256 over <paramref name="prefix"/> then <paramref name="body"/>, keyed by the whole secret as UTF-8 (a whsec_ secret included).</summary>
    public static string HexHmac(string secret, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Hmac(Encoding.UTF8.GetBytes(secret), prefix, body, mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>Standard Webhooks' <c>v1,&lt;base64&gt;</c> signature of <c>{id}.{timestamp}.{body}</c>, keyed by the bytes of a whsec_ secret.</summary>
    public static string StandardSignature(string secret, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        if (!WhsecSecret.TryDecode(secret, out var key) || key.Length == 0)
        {
            throw new ArgumentException("a Standard Webhooks secret must be whsec_ followed by standard base64", nameof(secret));
        }
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{id}.{timestamp}."));
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Hmac(key, prefix, body, mac);
        return "v1," + Convert.ToBase64String(mac);
    }

    private static void Hmac(byte[] key, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        hmac.GetHashAndReset(mac);
    }
}
