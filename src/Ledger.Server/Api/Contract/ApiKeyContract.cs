using Ledger.Server.Auth;

namespace Ledger.Server.Api.Contract;

/// <summary>One API key as <c>GET /v1/api-keys</c> lists it: never the key, only its first 8 characters.</summary>
public sealed record ApiKeyResponse(string Id, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static ApiKeyResponse From(ApiKeyView key) => new(key.Id, key.Prefix, key.CreatedAt, key.LastUsedAt);
}

/// <summary><c>POST /v1/api-keys</c>: the new key's id, and the key itself, shown in this answer and nowhere else.</summary>
public sealed record ApiKeyCreatedResponse(string Id, string Key, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static ApiKeyCreatedResponse From(ApiKeyIssued issued) =>
        new(issued.Key.Id, issued.Secret, issued.Key.Prefix, issued.Key.CreatedAt, issued.Key.LastUsedAt);
}
