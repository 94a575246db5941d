using Microsoft.AspNetCore.Http;

namespace Ledger.GraphQL.Transport;

/// <summary>The API key of a request: <c>X-API-Key</c>, or <c>Authorization: Bearer</c> (CONTRACT §2).</summary>
internal static class ApiKeyHeaders
{
    public static string? KeyOf(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-API-Key", out var apiKey) && !string.IsNullOrWhiteSpace(apiKey))
        {
            return apiKey.ToString().Trim();
        }
        return BearerKey(request.Headers.Authorization.ToString());
    }

    public static string? BearerKey(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
}
