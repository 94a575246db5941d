using Ledger.Server.Api.Contract;
using Ledger.Server.Auth;

namespace Ledger.Server.Api;

/// <summary>
/// <c>/v1/api-keys</c> (docs/audit.md): list, make and revoke the tenant's API keys. Keys are kept by hash only, so a key
/// is shown once, by the create that makes it. Only API keys reach these (REST answers portal tokens 401).
/// </summary>
public static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeyEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/api-keys", (HttpContext http, ApiKeys keys) =>
            Answer.Json(new PageResponse<ApiKeyResponse>([.. keys.List(http.Tenant()).Select(ApiKeyResponse.From)], null)))
            .Produces<PageResponse<ApiKeyResponse>>()
            .WithName("listApiKeys").WithTags("API keys")
            .WithDescription("The tenant's API keys, oldest first: id, the key's first 8 characters, when it was made and last used (never the key).");

        v1.MapPost("/api-keys", async (HttpContext http, ApiKeys keys) =>
        {
            var issued = await keys.CreateAsync(http.Tenant(), null, http.RequestAborted, http.Actor());
            return Answer.Json(ApiKeyCreatedResponse.From(issued), StatusCodes.Status201Created);
        })
            .Produces<ApiKeyCreatedResponse>(StatusCodes.Status201Created)
            .WithName("createApiKey").WithTags("API keys")
            .WithDescription("A new API key for the caller's tenant; the key is in this answer only. The request needs no body.");

        v1.MapDelete("/api-keys/{id}", async (HttpContext http, ApiKeys keys, string id) =>
        {
            await keys.RevokeAsync(http.Tenant(), id, http.RequestAborted, http.Actor());
            return Results.NoContent();
        })
            .Produces(StatusCodes.Status204NoContent)
            .WithName("revokeApiKey").WithTags("API keys")
            .WithDescription("Revokes one of the tenant's keys at once, on every instance; the key that makes this request may revoke itself.");

        return v1;
    }
}
