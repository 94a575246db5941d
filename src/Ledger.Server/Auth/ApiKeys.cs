using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;

namespace Ledger.Server.Auth;

/// <summary>
/// API keys, kept in the ledger's <c>apikeys</c> stream by SHA-256 only (keys are 32 random bytes, so a fast hash
/// is enough). Loaded at start; keys made on another instance arrive through the projection runner.
/// </summary>
public sealed class ApiKeys(IEventStore store, TimeProvider time) : IProjectionObserver
{
    public const string KeyPrefix = "ldg_";

    private readonly ConcurrentDictionary<string, TenantId> _tenantsByHash = new(StringComparer.Ordinal);

    public int Count => _tenantsByHash.Count;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var stored in await store.ReadStreamAsync(Streams.ApiKeys, 0, int.MaxValue, cancellationToken))
        {
            Apply(EventSerializer.Deserialize(stored));
        }
    }

    public TenantId? Authenticate(string? key) =>
        string.IsNullOrEmpty(key) || key.Length > 256 ? null : _tenantsByHash.TryGetValue(Hash(key), out var tenant) ? tenant : null;

    /// <summary>Adds a key (a new random one when <paramref name="key"/> is null); returns the key, which is never stored.</summary>
    public async Task<string> CreateAsync(TenantId tenant, string? key, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(tenant.Value))
        {
            throw DomainException.Validation("tenant", "a tenant is 1 to 64 characters of a-z, 0-9, - and _");
        }
        key ??= KeyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        if (key.Length is < 16 or > 256 || key.Any(char.IsWhiteSpace))
        {
            throw DomainException.Validation("key", "an API key is 16 to 256 characters without spaces");
        }
        var hash = Hash(key);
        if (_tenantsByHash.ContainsKey(hash))
        {
            return key;
        }
        var now = time.GetUtcNow();
        var created = new ApiKeyCreated(tenant.Value, hash, key[..Math.Min(8, key.Length)], now);
        try
        {
            await store.AppendAsync(Streams.ApiKeys, ExpectedVersion.Any, EventSerializer.ToNew(created, now, hash), cancellationToken);
        }
        catch (DuplicateEventException)
        {
            // Another instance made the same key at the same moment: it exists, which is all that was asked.
        }
        Apply(created);
        return key;
    }

    public void OnCommitted(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, long position)
    {
        foreach (var (_, e) in batch)
        {
            Apply(e);
        }
    }

    private void Apply(ILedgerEvent? e)
    {
        if (e is ApiKeyCreated created)
        {
            _tenantsByHash[created.KeyHash] = new TenantId(created.TenantId);
        }
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
