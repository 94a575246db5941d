using System.Security.Cryptography;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Keys;

/// <summary>
/// The data keys of the <c>keyring</c> stream, unwrapped by the master key and held in memory only. One data key per
/// scope (a tenant, or the server), created on first use with an expected-version append, so instances that race
/// agree on one. Master-key rotation appends a new wrap of every data key; earlier events are never rewritten.
/// </summary>
public sealed class KeyRing
{
    private const int DataKeyLength = 32;

    private readonly IEventStore _store;
    private readonly MasterKey _master;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, WrappedKey> _wrapped = new(StringComparer.Ordinal);
    private volatile Snapshot _keys = new([], []);
    private long _version = -1;
    private string? _latestMasterId;

    private KeyRing(IEventStore store, MasterKey master, TimeProvider time)
    {
        _store = store;
        _master = master;
        _time = time;
    }

    public string MasterKeyId => _master.Id;

    /// <summary>Reads the keyring and checks the master key can open it.</summary>
    /// <exception cref="KeyConfigurationException">The master key is missing, or is not the one that wraps the ledger's keys now.</exception>
    public static async Task<KeyRing> OpenAsync(IEventStore store, MasterKeySource source, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(source);
        var history = await store.ReadStreamAsync(Streams.KeyRing, 0, int.MaxValue, cancellationToken);
        var ring = new KeyRing(store, source.Open(ledgerHasKeys: history.Count > 0), time);
        ring.Apply(history);
        if (ring._latestMasterId is { } latest && latest != ring._master.Id)
        {
            throw new KeyConfigurationException(ring._wrapped.Values.Any(w => w.ByMaster.ContainsKey(ring._master.Id))
                ? $"the master key {ring._master.Id} was rotated; the ledger's keys are now wrapped by {latest}: start with that key"
                : $"the master key {ring._master.Id} is not this ledger's (its keys are wrapped by {latest}); configure the ledger's own key");
        }
        return ring;
    }

    /// <summary>The data key of a scope, created if it has none yet.</summary>
    internal async ValueTask<DataKey> ForScopeAsync(string scope, CancellationToken cancellationToken)
    {
        if (_keys.ByScope.TryGetValue(scope, out var key))
        {
            return key;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                await RefreshLockedAsync(cancellationToken);
                if (_keys.ByScope.TryGetValue(scope, out key))
                {
                    return key;
                }
                if (_latestMasterId is { } latest && latest != _master.Id)
                {
                    throw new KeyConfigurationException($"the master key was rotated to {latest} while this server ran with {_master.Id}; restart it with the new key");
                }
                var keyId = "dk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
                var bytes = RandomNumberGenerator.GetBytes(DataKeyLength);
                var now = _time.GetUtcNow();
                var created = new DataKeyCreated(scope, keyId, _master.Wrap(bytes, WrapContext(scope, keyId)), _master.Id, now);
                try
                {
                    await _store.AppendAsync(Streams.KeyRing, Expected(_version), EventSerializer.ToNew(created, now), cancellationToken);
                }
                catch (WrongExpectedVersionException)
                {
                    // Another instance wrote to the keyring first (perhaps this very scope's key): read again.
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A data key by id; one another instance created just now is read from the ledger.</summary>
    internal async ValueTask<DataKey> ByIdAsync(string keyId, CancellationToken cancellationToken)
    {
        if (_keys.ById.TryGetValue(keyId, out var key))
        {
            return key;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await RefreshLockedAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
        return _keys.ById.TryGetValue(keyId, out key)
            ? key
            : throw new KeyConfigurationException($"data key {keyId} cannot be opened with the master key {_master.Id}");
    }

    /// <summary>
    /// Wraps every data key with <paramref name="next"/> in new events (the old wraps stay in the ledger, as every
    /// event does). Returns how many keys were re-wrapped.
    /// </summary>
    public async Task<int> RotateMasterKeyAsync(MasterKey next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await RefreshLockedAsync(cancellationToken);
            var now = _time.GetUtcNow();
            var events = _keys.ById.Values
                .OrderBy(k => k.KeyId, StringComparer.Ordinal)
                .Select(k => EventSerializer.ToNew(new DataKeyRewrapped(k.Scope, k.KeyId, next.Wrap(k.Key, WrapContext(k.Scope, k.KeyId)), next.Id, now), now))
                .ToList();
            if (events.Count > 0)
            {
                await _store.AppendAsync([new StreamAppend(Streams.KeyRing, Expected(_version), events)], cancellationToken);
            }
            return events.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RefreshLockedAsync(CancellationToken cancellationToken) =>
        Apply(await _store.ReadStreamAsync(Streams.KeyRing, _version + 1, int.MaxValue, cancellationToken));

    private void Apply(IReadOnlyList<StoredEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }
        foreach (var stored in events)
        {
            switch (EventSerializer.Deserialize(stored))
            {
                case DataKeyCreated x:
                    _wrapped[x.KeyId] = new WrappedKey(x.Scope, x.KeyId, new(StringComparer.Ordinal) { [x.MasterKeyId] = x.WrappedKey });
                    _latestMasterId = x.MasterKeyId;
                    break;
                case DataKeyRewrapped x when _wrapped.TryGetValue(x.KeyId, out var wrapped):
                    wrapped.ByMaster[x.MasterKeyId] = x.WrappedKey;
                    _latestMasterId = x.MasterKeyId;
                    break;
            }
            _version = stored.Version;
        }
        var byId = new Dictionary<string, DataKey>(StringComparer.Ordinal);
        var byScope = new Dictionary<string, DataKey>(StringComparer.Ordinal);
        foreach (var wrapped in _wrapped.Values)
        {
            if (!wrapped.ByMaster.TryGetValue(_master.Id, out var text) || _master.Unwrap(text, WrapContext(wrapped.Scope, wrapped.KeyId)) is not { } bytes)
            {
                continue;
            }
            var key = new DataKey(wrapped.Scope, wrapped.KeyId, bytes);
            byId[key.KeyId] = key;
            byScope.TryAdd(key.Scope, key);
        }
        _keys = new Snapshot(byId, byScope);
    }

    private static ExpectedVersion Expected(long version) => version < 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(version);

    private static string WrapContext(string scope, string keyId) => $"ledger keyring\n{scope}\n{keyId}";

    private sealed record WrappedKey(string Scope, string KeyId, Dictionary<string, string> ByMaster);

    private sealed record Snapshot(Dictionary<string, DataKey> ById, Dictionary<string, DataKey> ByScope);
}
