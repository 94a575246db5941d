using Microsoft.AspNetCore.Http;

namespace Ledger.GraphQL.Transport;

/// <summary>
/// The API key of a request: <c>X-API-Key</c>, or <c>Authorization: Bearer</c> (docs/rest.md). Both headers with
/// different keys is a conflict, never a silent choice: the request is refused (400, field <c>authorization</c>).
/// </summary>
public static class ApiKeyHeaders
{
    public const string ConflictMessage = "Authorization and X-API-Key carry different keys; send one key";

    /// <summary>The key, or null when there is none or the two headers disagree (<see cref="HasConflict"/>).</summary>
    public static string? KeyOf(HttpRequest request) => Read(request) is { Conflict: false } read ? read.Key : null;

    public static bool HasConflict(HttpRequest request) => Read(request).Conflict;

    public static string? BearerKey(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;

    private static (string? Key, bool Conflict) Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var apiKey = request.Headers.TryGetValue("X-API-Key", out var header) && !string.IsNullOrWhiteSpace(header) ? header.ToString().Trim() : null;
        var bearer = BearerKey(request.Headers.Authorization.ToString());
        if (string.IsNullOrEmpty(bearer))
        {
            bearer = null;
        }
        return apiKey is not null && bearer is not null && !string.Equals(apiKey, bearer, StringComparison.Ordinal)
            ? (null, true)
            : (apiKey ?? bearer, false);
    }
}
