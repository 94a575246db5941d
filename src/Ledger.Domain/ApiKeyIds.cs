using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Domain;

/// <summary>API key ids, <c>ak_…</c>: prefixed time-ordered ids like every other id of the ledger.</summary>
public static class ApiKeyIds
{
    public const string Prefix = "ak_";

    /// <summary>
    /// The id of a key made before keys had ids: the time part is the key's creation, the random part the first ten
    /// bytes of SHA-256 of <c>apikeys/{version}</c>, its place in the <c>apikeys</c> stream. Every instance derives
    /// the same id, and the id says nothing about the key (it does not depend on the key or its hash).
    /// </summary>
    public static string Legacy(long version, DateTimeOffset createdAt)
    {
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Streams.ApiKeys}/{version}")));
        return PrefixedId.Create(Prefix, createdAt, seed.AsSpan(0, 10));
    }
}

/// <summary>The key a request carried, as far as anyone may know it: its tenant and its id (never the key).</summary>
public sealed record ApiKeyIdentity(TenantId Tenant, string KeyId);
