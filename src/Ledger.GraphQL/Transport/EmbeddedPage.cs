using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;

namespace Ledger.GraphQL.Transport;

/// <summary>
/// A single-page app built by npm and embedded in an assembly under <c>ResourcePrefix</c>: its <c>index.html</c> with
/// the page's Content-Security-Policy, <c>nosniff</c> and no caching (503 naming the build command when the build left
/// it out), and its content-named files, cached for good. GraphiQL and the Inspector are served by it.
/// </summary>
public sealed class EmbeddedPage
{
    private const string IndexFile = "index.html";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private readonly Assembly _assembly;
    private readonly string _title;
    private readonly string _buildCommand;
    private readonly string? _referrerPolicy;
    private readonly FrozenDictionary<string, string> _resources;

    /// <param name="assembly">The assembly the build embedded the files in.</param>
    /// <param name="resourcePrefix">The resource names' prefix, e.g. <c>graphiql/</c>.</param>
    /// <param name="title">How the 503 names the page, e.g. <c>GraphiQL</c>.</param>
    /// <param name="buildCommand">The command that builds the page, shown by the 503.</param>
    /// <param name="contentSecurityPolicy">The page's policy.</param>
    /// <param name="referrerPolicy">A <c>Referrer-Policy</c> for the page, if it sets one.</param>
    public EmbeddedPage(Assembly assembly, string resourcePrefix, string title, string buildCommand, string contentSecurityPolicy, string? referrerPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(resourcePrefix);
        _assembly = assembly;
        _title = title;
        _buildCommand = buildCommand;
        _referrerPolicy = referrerPolicy;
        ContentSecurityPolicy = contentSecurityPolicy;
        _resources = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(resourcePrefix, StringComparison.Ordinal))
            .ToFrozenDictionary(name => name[resourcePrefix.Length..].Replace('\\', '/'), name => name, StringComparer.Ordinal);
    }

    public string ContentSecurityPolicy { get; }

    public bool IsBuilt => _resources.ContainsKey(IndexFile);

    public async Task WritePageAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        if (_referrerPolicy is not null)
        {
            context.Response.Headers["Referrer-Policy"] = _referrerPolicy;
        }
        context.Response.Headers.CacheControl = "no-cache";
        if (!IsBuilt)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(
                $"{_title} is not part of this build. Build it with `{_buildCommand}` from the repository root, then build the server again.",
                context.RequestAborted);
            return;
        }
        await WriteResourceAsync(context, IndexFile, "text/html; charset=utf-8");
    }

    /// <summary>One of the page's files by its path in the build (404 for an unknown one, and for the page itself).</summary>
    public async Task WriteAssetAsync(HttpContext context, string path)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (path == IndexFile || !_resources.ContainsKey(path))
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
