using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;

namespace Ledger.Server.Auth;

/// <summary>One of a tenant's keys as <c>GET /v1/api-keys</c> lists it.</summary>
public sealed record ApiKeyView(string Id, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>A new key: the key itself is in this answer and nowhere else.</summary>
public sealed record ApiKeyIssued(ApiKeyView Key, string Secret);

/// <summary>
/// API keys, kept in the ledger's <c>apikeys</c> stream by SHA-256 only (keys are 32 random bytes, so a fast hash
/// is enough). Loaded at start; keys made or revoked on another instance arrive through the projection runner.
/// Last use is kept in memory per request, and written to the ledger at most once a key a UTC day (<see cref="ApiKeyUsed"/>),
/// so authenticating never costs an append beyond the first request of a day.
/// </summary>
public sealed class ApiKeys(IEventStore store, TimeProvider time) : IProjectionObserver
{
    public const string KeyPrefix = "ldg_";

    private readonly ConcurrentDictionary<string, Entry> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _byId = new(StringComparer.Ordinal);

    // Revoked ids stay revoked when their creation reaches this instance late (through the projection runner).
    private readonly ConcurrentDictionary<string, bool> _revoked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _revokedHashes = new(StringComparer.Ordinal);
    private readonly IdGenerator _ids = new(time);

    public int Count => _byHash.Count;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (var stored in await store.ReadStreamAsync(Streams.ApiKeys, 0, int.MaxValue, cancellationToken))
        {
            Apply(stored, EventSerializer.Deserialize(stored));
        }
    }

    public ApiKeyIdentity? Authenticate(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 256 || !_byHash.TryGetValue(Hash(key), out var entry))
        {
            return null;
        }
        entry.Touch(time.GetUtcNow());
        return entry.Identity;
    }

    /// <summary>
    /// Writes <see cref="ApiKeyUsed"/> when the key's last recorded use is on an earlier UTC day than its last use; a
    /// completed task otherwise (every other request of the day).
    /// </summary>
    public Task RecordUseAsync(ApiKeyIdentity identity, CancellationToken cancellationToken) =>
        _byId.TryGetValue(identity.KeyId, out var entry) && entry.NeedsRecording() ? RecordAsync(entry, cancellationToken) : Task.CompletedTask;

    private async Task RecordAsync(Entry entry, CancellationToken cancellationToken)
    {
        try
        {
            var usedAt = entry.LastUsedAt ?? time.GetUtcNow();
            await store.AppendAsync(Streams.ApiKeys, ExpectedVersion.Any, EventSerializer.ToNew(new ApiKeyUsed(entry.Identity.KeyId, usedAt), usedAt), cancellationToken);
            entry.Recorded(usedAt);
        }
        finally
        {
            entry.EndRecording();
        }
    }

    /// <summary>Whether this key was made once and revoked since (it cannot be made again).</summary>
    public bool IsRevoked(string key) => _revokedHashes.ContainsKey(Hash(key));

    /// <summary>The tenant's keys that work, oldest first.</summary>
    public IReadOnlyList<ApiKeyView> List(TenantId tenant) =>
        [.. _byId.Values.Where(e => e.Identity.Tenant == tenant).Select(e => e.View).OrderBy(k => k.CreatedAt).ThenBy(k => k.Id, StringComparer.Ordinal)];

    /// <summary>Adds a key (a new random one when <paramref name="key"/> is null); returns it with its id. The key is never stored.</summary>
    public async Task<ApiKeyIssued> CreateAsync(TenantId tenant, string? key, CancellationToken cancellationToken, CommandActor? actor = null)
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
        if (_byHash.TryGetValue(hash, out var existing))
        {
            return new ApiKeyIssued(existing.View, key);
        }
        if (_revokedHashes.ContainsKey(hash))
        {
            throw new DomainException(ErrorCodes.Conflict, "this key was revoked; a revoked key cannot be made again", "key");
        }
        var now = time.GetUtcNow();
        var created = new ApiKeyCreated(tenant.Value, hash, key[..Math.Min(8, key.Length)], now, _ids.New(ApiKeyIds.Prefix), actor?.Id, actor?.Ip);
        try
        {
            var result = await store.AppendAsync(Streams.ApiKeys, ExpectedVersion.Any, EventSerializer.ToNew(created, now, hash), cancellationToken);
            Apply(created, result.Streams[0].LastVersion);
        }
        catch (DuplicateEventException)
        {
            // Another instance made the same key at the same moment: it exists, which is all that was asked.
            await LoadAsync(cancellationToken);
        }
        return _byHash.TryGetValue(hash, out var made)
            ? new ApiKeyIssued(made.View, key)
            : throw new DomainException(ErrorCodes.Conflict, "this key was revoked; a revoked key cannot be made again", "key");
    }

    /// <summary>Revokes one of the tenant's keys; another tenant's key, or one already revoked, is NOT_FOUND.</summary>
    public async Task RevokeAsync(TenantId tenant, string keyId, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        if (!_byId.TryGetValue(keyId, out var entry) || entry.Identity.Tenant != tenant)
        {
            throw DomainException.NotFound("API key");
        }
        var now = time.GetUtcNow();
        var revoked = new ApiKeyRevoked(tenant.Value, keyId, now, actor?.Id, actor?.Ip);
        await store.AppendAsync(Streams.ApiKeys, ExpectedVersion.Any, EventSerializer.ToNew(revoked, now), cancellationToken);
        Apply(revoked, null);
    }

    public void OnCommitted(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, long position)
    {
        foreach (var (stored, e) in batch)
        {
            if (stored.StreamId == Streams.ApiKeys)
            {
                Apply(stored, e);
            }
        }
    }

    private void Apply(StoredEvent stored, ILedgerEvent? e) => Apply(e, stored.Version);

    private void Apply(ILedgerEvent? e, long? version)
    {
        switch (e)
        {
            case ApiKeyCreated created when !_byHash.ContainsKey(created.KeyHash):
                var id = created.KeyId ?? ApiKeyIds.Legacy(version ?? throw new InvalidOperationException("a key without an id needs its stream version"), created.CreatedAt);
                if (_revoked.ContainsKey(id))
                {
                    _revokedHashes[created.KeyHash] = true;
                    break;
                }
                var entry = new Entry(new ApiKeyIdentity(new TenantId(created.TenantId), id), created.KeyHash, created.KeyPrefix, created.CreatedAt);
                _byHash[created.KeyHash] = entry;
                _byId[id] = entry;
                break;
            case ApiKeyRevoked revoked:
                _revoked[revoked.KeyId] = true;
                if (_byId.TryRemove(revoked.KeyId, out var gone))
                {
                    _byHash.TryRemove(gone.Hash, out _);
                    _revokedHashes[gone.Hash] = true;
                }
                break;
            case ApiKeyUsed used when _byId.TryGetValue(used.KeyId, out var usedEntry):
                usedEntry.Recorded(used.UsedAt);
                break;
        }
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private sealed class Entry(ApiKeyIdentity identity, string hash, string prefix, DateTimeOffset createdAt)
    {
        private long _lastUsedTicks;
        private long _recordedTicks;
        private int _recording;

        public ApiKeyIdentity Identity => identity;

        public string Hash => hash;

        public DateTimeOffset? LastUsedAt
        {
            get
            {
                var ticks = Math.Max(Interlocked.Read(ref _lastUsedTicks), Interlocked.Read(ref _recordedTicks));
                return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
            }
        }

        public ApiKeyView View => new(identity.KeyId, prefix, createdAt, LastUsedAt);

        public void Touch(DateTimeOffset now)
        {
            var ticks = now.UtcTicks;
            var seen = Interlocked.Read(ref _lastUsedTicks);
            while (ticks > seen && Interlocked.CompareExchange(ref _lastUsedTicks, ticks, seen) is var was && was != seen)
            {
                seen = was;
            }
        }

        /// <summary>True (and recording taken) when the last use falls on a later UTC day than the last recorded one.</summary>
        public bool NeedsRecording()
        {
            var used = Interlocked.Read(ref _lastUsedTicks);
            var recorded = Interlocked.Read(ref _recordedTicks);
            return used / TimeSpan.TicksPerDay > recorded / TimeSpan.TicksPerDay && Interlocked.CompareExchange(ref _recording, 1, 0) == 0;
        }

        public void Recorded(DateTimeOffset at)
        {
            var ticks = at.UtcTicks;
            var seen = Interlocked.Read(ref _recordedTicks);
            while (ticks > seen && Interlocked.CompareExchange(ref _recordedTicks, ticks, seen) is var was && was != seen)
            {
                seen = was;
            }
        }

        public void EndRecording() => Volatile.Write(ref _recording, 0);
    }
}
