using System.Collections.Concurrent;
using Ledger.Domain;
using Ledger.EventStore;
using NSec.Cryptography;

namespace Ledger.Keys;

/// <summary>A public signing key as <c>GET /v1/signing-keys</c> lists it.</summary>
public sealed record SigningKeyInfo(string KeyId, string PublicKey, string Address, bool Active, DateTimeOffset CreatedAt, DateTimeOffset? ValidUntil);

/// <summary>
/// The server's Ed25519 signing keys (the <c>signingkeys</c> stream): created once on first start — an
/// expected-version append, so instances starting together end with one — and rotated with an overlap during which
/// the previous key stays listed and signs alongside. Private keys are sealed under the server's data key.
/// Other instances' rotations are picked up within <see cref="RefreshInterval"/>.
/// </summary>
public sealed class SigningKeys(IEventStore store, KeyRing ring, TimeProvider time)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, Key> _privateKeys = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<Entry> _entries = [];
    private long _version = -1;
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;

    /// <summary>Creates the first key unless the ledger has one.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await RefreshLockedAsync(cancellationToken);
            while (_entries.Count == 0)
            {
                try
                {
                    await AppendNewKeyLockedAsync(null, cancellationToken);
                }
                catch (WrongExpectedVersionException)
                {
                    // Another instance created it first.
                }
                await RefreshLockedAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new active key; the current one stays valid for <paramref name="overlapHours"/> more hours.</summary>
    public async Task<SigningKeyInfo> RotateAsync(int overlapHours, CancellationToken cancellationToken)
    {
        if (overlapHours is < 0 or > 24 * 30)
        {
            throw new ArgumentOutOfRangeException(nameof(overlapHours), overlapHours, "the overlap is 0 to 720 hours");
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await RefreshLockedAsync(cancellationToken);
            var now = time.GetUtcNow();
            await AppendNewKeyLockedAsync(overlapHours == 0 ? null : now.AddHours(overlapHours), cancellationToken);
            await RefreshLockedAsync(cancellationToken);
            return Info(_entries[^1]);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The active key first, then every earlier key still valid (a rotation overlap).</summary>
    public async Task<IReadOnlyList<SigningKeyInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return [.. (await ValidAtAsync(now, cancellationToken)).Select(Info)];
    }

    /// <summary>
    /// The hex Ed25519 signatures, in MultiversX message-signing form, of every key valid at <paramref name="at"/>:
    /// the key active then first, then the previous one during an overlap.
    /// </summary>
    public async Task<IReadOnlyList<string>> SignMultiversXAsync(byte[] message, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var toSign = MultiversXMessage.BytesToSign(message);
        var signatures = new List<string>(2);
        foreach (var entry in await ValidAtAsync(at, cancellationToken))
        {
            signatures.Add(Convert.ToHexStringLower(Ed25519.Sign(await PrivateKeyAsync(entry, cancellationToken), toSign)));
        }
        return signatures.Count > 0 ? signatures : throw new InvalidOperationException("the server has no signing key yet");
    }

    /// <summary>A plain Ed25519 signature of <paramref name="data"/> by the active key (for signed exports), and that key.</summary>
    public async Task<(SigningKeyInfo Key, byte[] Signature)> SignAsync(byte[] data, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var active = (await ValidAtAsync(now, cancellationToken)).FirstOrDefault() ?? throw new InvalidOperationException("the server has no signing key yet");
        return (Info(active), Ed25519.Sign(await PrivateKeyAsync(active, cancellationToken), data));
    }

    private async Task<IReadOnlyList<Entry>> ValidAtAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (time.GetUtcNow() - _refreshedAt >= RefreshInterval)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await RefreshLockedAsync(cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }
        var entries = _entries;
        var active = entries.LastOrDefault(e => e.CreatedAt <= at) ?? entries.FirstOrDefault();
        if (active is null)
        {
            return [];
        }
        return [active, .. entries.Where(e => e != active && e.CreatedAt <= at && e.ValidUntil > at).Reverse()];
    }

    private async Task AppendNewKeyLockedAsync(DateTimeOffset? previousValidUntil, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        using var key = Key.Create(Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var publicKey = Convert.ToHexStringLower(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        var keyId = "sk_" + publicKey[..16];
        var dataKey = await ring.ForScopeAsync(KeyScopes.Server, cancellationToken);
        var sealedKey = SecretBox.Seal(dataKey, key.Export(KeyBlobFormat.RawPrivateKey), keyId);
        var created = new SigningKeyCreated(keyId, publicKey, sealedKey, now, previousValidUntil);
        await store.AppendAsync(
            Streams.SigningKeys, _version < 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(_version), EventSerializer.ToNew(created, now), cancellationToken);
    }

    private async Task RefreshLockedAsync(CancellationToken cancellationToken)
    {
        var events = await store.ReadStreamAsync(Streams.SigningKeys, _version + 1, int.MaxValue, cancellationToken);
        _refreshedAt = time.GetUtcNow();
        if (events.Count == 0)
        {
            return;
        }
        var entries = _entries.ToList();
        foreach (var stored in events)
        {
            if (EventSerializer.Deserialize(stored) is SigningKeyCreated x)
            {
                if (entries.Count > 0)
                {
                    entries[^1] = entries[^1] with { ValidUntil = x.PreviousValidUntil ?? x.CreatedAt };
                }
                entries.Add(new Entry(x.KeyId, x.PublicKey, x.SealedPrivateKey, x.CreatedAt, null));
            }
            _version = stored.Version;
        }
        _entries = entries;
    }

    private async ValueTask<Key> PrivateKeyAsync(Entry entry, CancellationToken cancellationToken)
    {
        if (_privateKeys.TryGetValue(entry.KeyId, out var key))
        {
            return key;
        }
        var dataKey = await ring.ByIdAsync(SecretBox.KeyIdOf(entry.SealedPrivateKey) ?? throw new CryptographicSealException($"signing key {entry.KeyId} is not sealed"), cancellationToken);
        var seed = SecretBox.Open(dataKey, entry.SealedPrivateKey, entry.KeyId);
        key = Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(seed);
        return _privateKeys.GetOrAdd(entry.KeyId, key);
    }

    private static SigningKeyInfo Info(Entry e) =>
        new(e.KeyId, e.PublicKey, Bech32.Address(Convert.FromHexString(e.PublicKey)), e.ValidUntil is null, e.CreatedAt, e.ValidUntil);

    private sealed record Entry(string KeyId, string PublicKey, string SealedPrivateKey, DateTimeOffset CreatedAt, DateTimeOffset? ValidUntil);
}
