using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;

namespace Ledger.GraphQL.Transport;

/// <summary>
/// GraphiQL, as built from web/graphiql into this assembly: the page at <c>GET /graphql</c> for a browser and its
/// files under <c>/graphiql/</c>. The page's Content-Security-Policy allows this origin only, so it loads and calls
/// nothing from any other host.
/// </summary>
public sealed class GraphiQLAssets
{
    public const string PathPrefix = "/graphiql";
    public const string BuildCommand = "npm ci --prefix web/graphiql && npm run build --prefix web/graphiql";

    /// <summary>Same origin only; GraphiQL's editor needs inline styles, its workers, data: fonts and the WebSocket.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        + "worker-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

    private const string ResourcePrefix = "graphiql/";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private readonly FrozenDictionary<string, string> _resources;
    private readonly Assembly _assembly = typeof(GraphiQLAssets).Assembly;

    public GraphiQLAssets()
    {
        _resources = _assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .ToFrozenDictionary(name => name[ResourcePrefix.Length..].Replace('\\', '/'), name => name, StringComparer.Ordinal);
    }

    public bool IsBuilt => _resources.ContainsKey("index.html");

    public async Task WritePageAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "no-cache";
        if (!IsBuilt)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(
                $"GraphiQL is not part of this build. Build it with `{BuildCommand}` from the repository root, then build the server again.",
                context.RequestAborted);
            return;
        }
        await WriteResourceAsync(context, "index.html", "text/html; charset=utf-8");
    }

    public async Task WriteAssetAsync(HttpContext context, string path)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (path == "index.html" || !_resources.ContainsKey(path))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.Headers.XContentTypeOptions = "nosniff";
        // Vite names every file after its content, so a name never changes meaning.
        context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        await WriteResourceAsync(context, path, ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream");
    }

    private async Task WriteResourceAsync(HttpContext context, string path, string contentType)
    {
        await using var stream = _assembly.GetManifestResourceStream(_resources[path])!;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = stream.Length;
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
