using Ledger.Projections;
using Ledger.Server.Api.Contract;
using Ledger.Server.Auth;

namespace Ledger.Server.Api;

/// <summary>
/// <c>GET /v1/audit</c> (docs/audit.md): who did what, newest first, from the audit read model. Operators only: REST takes
/// API keys, never portal tokens.
/// </summary>
public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/audit", async (HttpContext http, ReadModelQueries queries, string? since, string? actor, int? limit, string? cursor) =>
        {
            var page = await queries.ListAuditAsync(http.Tenant(), QueryValues.Time(since, "since"), actor, limit ?? 50, cursor, http.RequestAborted);
            return Answer.Json(new PageResponse<AuditEntryResponse>([.. page.Data.Select(AuditEntryResponse.From)], page.NextCursor));
        })
            .Produces<PageResponse<AuditEntryResponse>>()
            .WithName("listAudit").WithTags("Audit")
            .WithDescription("Every command made on the tenant (webhook changes, secret rotations, redeliveries, replays, breaker resets, API keys, portal tokens, exports), newest first: who (an API key or portal token id, never a key), the client IP, the action and its subject.");
        return v1;
    }
}
