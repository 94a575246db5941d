using System.Text;

namespace Ledger.Keys;

/// <summary>
/// A secret sealed under its scope's data key: <c>sealed:v1:{dataKeyId}:{base64(nonce ‖ ciphertext ‖ tag)}</c>, bound
/// to the scope and to what it belongs to (a webhook id, a signing key id), so a sealed value cannot be moved.
/// </summary>
public static class SecretBox
{
    public const string Prefix = "sealed:v1:";

    public static bool IsSealed(string? stored) => stored is not null && stored.StartsWith(Prefix, StringComparison.Ordinal);

    internal static string Seal(DataKey key, ReadOnlySpan<byte> secret, string owner) =>
        $"{Prefix}{key.KeyId}:{Convert.ToBase64String(Aead.Seal(key.Key, secret, Context(key.Scope, owner)))}";

    /// <summary>The data key id of a sealed value, or null when it is not sealed.</summary>
    internal static string? KeyIdOf(string stored)
    {
        if (!IsSealed(stored))
        {
            return null;
        }
        var colon = stored.IndexOf(':', Prefix.Length);
        return colon < 0 ? null : stored[Prefix.Length..colon];
    }

    /// <exception cref="CryptographicSealException">The value is malformed, altered, or not of this scope and owner.</exception>
    internal static byte[] Open(DataKey key, string stored, string owner)
    {
        var colon = stored.IndexOf(':', Prefix.Length);
        var sealedBytes = new byte[stored.Length];
        if (colon < 0 || !Convert.TryFromBase64String(stored[(colon + 1)..], sealedBytes, out var written)
            || Aead.TryOpen(key.Key, sealedBytes.AsSpan(0, written), Context(key.Scope, owner)) is not { } plaintext)
        {
            throw new CryptographicSealException($"a sealed secret of {owner} cannot be opened with data key {key.KeyId}");
        }
        return plaintext;
    }

    internal static string OpenText(DataKey key, string stored, string owner) => Encoding.UTF8.GetString(Open(key, stored, owner));

    private static string Context(string scope, string owner) => $"ledger secret\n{scope}\n{owner}";
}

/// <summary>A sealed value could not be opened: it was altered, or moved from where it was sealed.</summary>
public sealed class CryptographicSealException(string message) : Exception(message);
