namespace Ledger.Domain;

// The keyring stream: data keys, each wrapped (AES-256-GCM) by the master key. Only ciphertext is ever stored.

/// <summary>
/// A data key for one scope (a tenant id, or <see cref="KeyScopes.Server"/> for the server's own keys), wrapped by
/// the master key whose id is <paramref name="MasterKeyId"/>.
/// </summary>
[EventType("keyring.data-key-created.v1")]
public sealed record DataKeyCreated(string Scope, string KeyId, string WrappedKey, string MasterKeyId, DateTimeOffset CreatedAt) : ILedgerEvent;

/// <summary>The same data key wrapped by a new master key (master-key rotation); earlier wraps stay as they were written.</summary>
[EventType("keyring.data-key-rewrapped.v1")]
public sealed record DataKeyRewrapped(string Scope, string KeyId, string WrappedKey, string MasterKeyId, DateTimeOffset RewrappedAt) : ILedgerEvent;

// The signingkeys stream: the server's Ed25519 keys, newest = active.

/// <summary>
/// A new Ed25519 signing key, active from now; its private key is sealed under the server's data key. The key it
/// replaces stays valid (listed, and signing alongside) until <paramref name="PreviousValidUntil"/>.
/// </summary>
[EventType("signing-key.created.v1")]
public sealed record SigningKeyCreated(string KeyId, string PublicKey, string SealedPrivateKey, DateTimeOffset CreatedAt, DateTimeOffset? PreviousValidUntil) : ILedgerEvent;

public static class KeyScopes
{
    /// <summary>The scope of the server's own secrets; tenant ids never contain a dot.</summary>
    public const string Server = ".server";
}
