using Microsoft.AspNetCore.Http;

namespace Ledger.GraphQL.Transport;

/// <summary>
/// GraphiQL, as built from web/graphiql into this assembly: the page at <c>GET /graphql</c> for a browser and its
/// files under <c>/graphiql/</c>. The page's Content-Security-Policy allows this origin only, so it loads and calls
/// nothing from any other host.
/// </summary>
public sealed class GraphiQLAssets(GraphQLOptions options)
{
    public const string PathPrefix = "/graphiql";
    public const string BuildCommand = "npm ci --prefix web/graphiql && npm run build --prefix web/graphiql";

    /// <summary>Same origin only; GraphiQL's editor needs inline styles, its workers, data: fonts and the WebSocket.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "worker-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

    private readonly EmbeddedPage _page = new(typeof(GraphiQLAssets).Assembly, "graphiql/", "GraphiQL", BuildCommand, ContentSecurityPolicy);

    public bool IsBuilt => _page.IsBuilt;

    public async Task WritePageAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!options.GraphiQL)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("GraphiQL is turned off on this server (Ledger__GraphQL__GraphiQL=false); /graphql still answers GraphQL requests.", context.RequestAborted);
            return;
        }
        await _page.WritePageAsync(context);
    }

    public Task WriteAssetAsync(HttpContext context, string path)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!options.GraphiQL)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return _page.WriteAssetAsync(context, path);
    }
}
