using System.Security.Cryptography;
using System.Text;

namespace Ledger.Domain.Wire;

/// <summary>
/// Names a signing secret without showing it: 16 hex characters of a domain-separated SHA-256, so an attempt can
/// record which secrets signed it and the Inspector can pick the same ones again to render its request.
/// </summary>
public static class SecretFingerprint
{
    public static string Of(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("ledger.secret-fingerprint.v1\n" + secret));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
