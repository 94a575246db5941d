using Ledger.Domain;
using Ledger.Server.Api;

namespace Ledger.Server.Auth;

/// <summary>Every <c>/v1</c> and <c>/graphql</c> request carries <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-API-Key</c>.</summary>
public static class Authentication
{
    private const string TenantItem = "ledger.tenant";

    public static string? KeyOf(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-API-Key", out var apiKey) && !string.IsNullOrWhiteSpace(apiKey))
        {
            return apiKey.ToString().Trim();
        }
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    public static TenantId Tenant(this HttpContext context) =>
        context.Items[TenantItem] is TenantId tenant ? tenant : throw new InvalidOperationException("the request was not authenticated");

    /// <summary>Answers 401 with the contract's error body for a missing or unknown key.</summary>
    public static IApplicationBuilder UseLedgerAuthentication(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (!path.StartsWithSegments("/v1") && !path.StartsWithSegments("/graphql"))
            {
                await next(context);
                return;
            }
            var keys = context.RequestServices.GetRequiredService<ApiKeys>();
            if (keys.Authenticate(KeyOf(context.Request)) is not { } tenant)
            {
                // GraphiQL's page and WebSocket upgrades authenticate later (connection_init carries the key).
                if (path.StartsWithSegments("/graphql") && (HttpMethods.IsGet(context.Request.Method) && (context.WebSockets.IsWebSocketRequest || AcceptsHtml(context.Request))))
                {
                    await next(context);
                    return;
                }
                await ApiErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthenticated,
                    "a valid API key is required: send Authorization: Bearer <key> or X-API-Key: <key>", null);
                return;
            }
            context.Items[TenantItem] = tenant;
            await next(context);
        });

    private static bool AcceptsHtml(HttpRequest request) => request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
