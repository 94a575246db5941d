using Ledger.Domain;
using Ledger.GraphQL.Transport;
using Ledger.Projections.Portal;
using Ledger.Server.Api;

namespace Ledger.Server.Auth;

/// <summary>Every <c>/v1</c> and <c>/graphql</c> request carries <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-API-Key</c>.</summary>
public static class Authentication
{
    private const string KeyItem = "ledger.api-key";

    public static TenantId Tenant(this HttpContext context) => context.ApiKey().Tenant;

    /// <summary>The key the request carried: its tenant and id.</summary>
    public static ApiKeyIdentity ApiKey(this HttpContext context) =>
        context.Items[KeyItem] as ApiKeyIdentity ?? throw new InvalidOperationException("the request was not authenticated");

    /// <summary>Who the ledger records as doing what this request does: the key's id and the client's IP.</summary>
    public static CommandActor Actor(this HttpContext context) => new(context.ApiKey().KeyId, ClientAddress.Of(context.Connection.RemoteIpAddress));

    /// <summary>
    /// Answers 401 with the contract's error body for a missing or unknown key, and 400 (field <c>authorization</c>)
    /// when <c>Authorization</c> and <c>X-API-Key</c> carry different keys. <c>/metrics</c> is included when
    /// <paramref name="metricsRequireApiKey"/> is set.
    /// </summary>
    public static IApplicationBuilder UseLedgerAuthentication(this IApplicationBuilder app, bool metricsRequireApiKey = false) =>
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if ((!path.StartsWithSegments("/v1") && !path.StartsWithSegments("/graphql") && !(metricsRequireApiKey && path.StartsWithSegments("/metrics")))
                || path.StartsWithSegments(SigningKeysEndpoint.Path) || path.StartsWithSegments(Ledger.Application.Exports.ExportDownloads.Path))
            {
                await next(context);
                return;
            }
            if (ApiKeyHeaders.HasConflict(context.Request))
            {
                await ApiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, ApiKeyHeaders.ConflictMessage, "authorization");
                return;
            }
            var keys = context.RequestServices.GetRequiredService<ApiKeys>();
            if (keys.Authenticate(ApiKeyHeaders.KeyOf(context.Request)) is not { } identity)
            {
                // GraphiQL's page and WebSocket upgrades authenticate later (connection_init carries the key); portal
                // tokens are for /graphql only, which checks them itself (REST answers them 401 here).
                if (path.StartsWithSegments("/graphql") && ((HttpMethods.IsGet(context.Request.Method) && (context.WebSockets.IsWebSocketRequest || AcceptsHtml(context.Request)))
                    || context.RequestServices.GetRequiredService<PortalTokenRegistry>().Authenticate(ApiKeyHeaders.KeyOf(context.Request)) is not null))
                {
                    await next(context);
                    return;
                }
                await ApiErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated,
                    "a valid API key is required: send Authorization: Bearer <key> or X-API-Key: <key>", null);
                return;
            }
            context.Items[KeyItem] = identity;
            await keys.RecordUseAsync(identity, context.RequestAborted);
            await next(context);
        });

    private static bool AcceptsHtml(HttpRequest request) => request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
