using Ledger.Server.Api.Contract;

namespace Ledger.Server.Api;

/// <summary>
/// The REST API of docs/rest.md under <c>/v1</c>: one file and one <c>Map…Endpoints</c> per area. Every handler
/// is tenant-scoped (another tenant's id is a 404); every route may answer the error bodies listed here.
/// </summary>
public static class RestApi
{
    public static IEndpointRouteBuilder MapLedgerRestApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound,
            StatusCodes.Status500InternalServerError, StatusCodes.Status503ServiceUnavailable);

        v1.MapWebhookEndpoints()
            .MapDeliveryEndpoints()
            .MapEventEndpoints()
            .MapLedgerStreamEndpoints()
            .MapPortalTokenEndpoints()
            .MapCircuitEndpoints()
            .MapExportEndpoints()
            .MapApiKeyEndpoints()
            .MapAuditEndpoints();

        return app;
    }
}
