using Ledger.Application.Portal;
using Ledger.Server.Api.Contract;
using Ledger.Server.Auth;

namespace Ledger.Server.Api;

/// <summary>
/// <c>/v1/portal-tokens</c> (docs/portal-tokens.md): make and revoke portal tokens. The REST API takes API keys only, so only
/// operators reach these; a portal token is answered 401 before any handler runs.
/// </summary>
public static class PortalTokenEndpoints
{
    public static RouteGroupBuilder MapPortalTokenEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/portal-tokens", async (HttpContext http, PortalTokenService portalTokens) =>
        {
            var body = await ApiJson.ReadBodyAsync<CreatePortalTokenRequest>(http.Request);
            var issued = await portalTokens.CreateAsync(http.Tenant(), body.ToCommand(), http.RequestAborted, http.Actor());
            return Answer.Json(PortalTokenResponse.From(issued), StatusCodes.Status201Created);
        })
            .Accepts<CreatePortalTokenRequest>("application/json")
            .Produces<PortalTokenResponse>(StatusCodes.Status201Created)
            .ProducesErrors(StatusCodes.Status413PayloadTooLarge)
            .WithName("createPortalToken").WithTags("Portal tokens");

        v1.MapDelete("/portal-tokens/{id}", async (HttpContext http, PortalTokenService portalTokens, string id) =>
        {
            await portalTokens.RevokeAsync(http.Tenant(), id, http.RequestAborted, http.Actor());
            return Results.NoContent();
        })
            .Produces(StatusCodes.Status204NoContent)
            .WithName("revokePortalToken").WithTags("Portal tokens");

        return v1;
    }
}
