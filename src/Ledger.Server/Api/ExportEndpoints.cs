using Ledger.Application.Access;
using Ledger.Application.Exports;
using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.Server.Auth;
using Ledger.Server.Exports;

namespace Ledger.Server.Api;

/// <summary>
/// The exports of docs/audit.md: the tenant's ledger as signed JSONL, its deliveries and attempts as CSV or JSONL, all
/// streamed; and <c>/v1/exports/download/{token}</c>, the capability URLs GraphQL hands out (docs/portal-tokens.md).
/// </summary>
public static class ExportEndpoints
{
    public static RouteGroupBuilder MapExportEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/exports/ledger", async (HttpContext http, LedgerAccess access, LedgerExport export, string? from, string? to, string? streams, string? format) =>
        {
            if (format is not (null or ExportFormats.Jsonl))
            {
                throw DomainException.Validation("format", "the ledger export's format is jsonl");
            }
            var request = new ExportRequest(ExportKinds.Ledger, ExportFormats.Jsonl, Range: LedgerExportRange.Parse(from, to, streams));
            await ExportResponse.WriteAsync(http, access.For(http.Tenant(), CallerScope.Operator, http.Actor()), export, request);
        })
            .Produces(StatusCodes.Status200OK, contentType: "application/x-ndjson")
            .WithName("exportLedger").WithTags("Exports")
            .WithDescription("The tenant's ledger events in position order as JSONL, ending with a manifest signed by the server's Ed25519 key; data carrying secrets is withheld (null) with its digest.");

        v1.MapGet("/exports/deliveries", (HttpContext http, LedgerAccess access, LedgerExport export, string? since, string? until, string? status, string? webhookId, string? format) =>
            ExportResponse.WriteAsync(http, access.For(http.Tenant(), CallerScope.Operator, http.Actor()), export, RowRequest(ExportKinds.Deliveries, since, until, status, webhookId, format)))
            .Produces(StatusCodes.Status200OK, (Type?)null, "text/csv", "application/x-ndjson")
            .WithName("exportDeliveries").WithTags("Exports")
            .WithDescription("One row per delivery created in [since, until), newest first, optionally of some statuses (status=failed,retrying) or one webhook: CSV (RFC 4180, cells that could run as a spreadsheet formula prefixed with ') or JSONL. Columns in docs/audit.md.");

        v1.MapGet("/exports/attempts", (HttpContext http, LedgerAccess access, LedgerExport export, string? since, string? until, string? status, string? webhookId, string? format) =>
            ExportResponse.WriteAsync(http, access.For(http.Tenant(), CallerScope.Operator, http.Actor()), export, RowRequest(ExportKinds.Attempts, since, until, status, webhookId, format)))
            .Produces(StatusCodes.Status200OK, (Type?)null, "text/csv", "application/x-ndjson")
            .WithName("exportAttempts").WithTags("Exports")
            .WithDescription("One row per delivery attempt of the deliveries the same filters as /v1/exports/deliveries select: CSV or JSONL. Columns in docs/audit.md.");

        v1.MapGet("/exports/download/{token}", async (HttpContext http, ExportDownloads downloads, LedgerAccess access, LedgerExport export, string token) =>
        {
            var grant = downloads.Redeem(token) ?? throw DomainException.NotFound("export download");
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            var actor = new CommandActor(grant.ActorId ?? grant.Scope.PortalTokenId ?? "api-key", ClientAddress.Of(http.Connection.RemoteIpAddress));
            await ExportResponse.WriteAsync(http, access.For(grant.Tenant, grant.Scope, actor), export, grant.Request);
        })
            .AllowAnonymous()
            .Produces(StatusCodes.Status200OK, (Type?)null, "text/csv", "application/x-ndjson")
            .WithName("downloadExport").WithTags("Exports")
            .WithDescription("A download URL that a GraphQL export mutation handed out: the URL is the credential (no API key), bound to the tenant and scope of whoever asked for it, and answers 404 once it has expired.");
        return v1;
    }

    private static ExportRequest RowRequest(string kind, string? since, string? until, string? status, string? webhookId, string? format)
    {
        var rowFormat = ExportFormats.ParseRowFormat(format);
        return new ExportRequest(kind, rowFormat, Filter: DeliveryExportFilter.Parse(since, until, QueryValues.Statuses(status), webhookId));
    }
}
