namespace Ledger.Keys;

/// <summary>An unwrapped data key: it lives in memory only.</summary>
internal sealed record DataKey(string Scope, string KeyId, byte[] Key);
