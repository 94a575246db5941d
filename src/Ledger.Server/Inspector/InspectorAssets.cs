using Ledger.GraphQL.Transport;

namespace Ledger.Server.Inspector;

/// <summary>
/// The Inspector page as built from web/inspector into this assembly: the page at <c>GET /inspector</c> and its files
/// under <c>/inspector/assets/</c>. Its Content-Security-Policy allows this origin only, and framing only by
/// <see cref="InspectorOptions.FrameAncestors"/>.
/// </summary>
public sealed class InspectorAssets
{
    public const string PagePath = "/inspector";
    public const string BuildCommand = "npm ci --prefix web/inspector && npm run build --prefix web/inspector";

    private readonly EmbeddedPage _page;

    public InspectorAssets(InspectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _page = new EmbeddedPage(
            typeof(InspectorAssets).Assembly, "inspector/", "The Inspector", BuildCommand,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            + $"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors {options.FrameAncestors.Trim()}",
            referrerPolicy: "no-referrer");
    }

    public string ContentSecurityPolicy => _page.ContentSecurityPolicy;

    public bool IsBuilt => _page.IsBuilt;

    public Task WritePageAsync(HttpContext context) => _page.WritePageAsync(context);

    /// <summary>A file under <c>/inspector/assets/</c>: the build keeps them under <c>assets/</c>.</summary>
    public Task WriteAssetAsync(HttpContext context, string path) => _page.WriteAssetAsync(context, "assets/" + path);
}
