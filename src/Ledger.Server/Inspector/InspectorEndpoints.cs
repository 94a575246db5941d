using Microsoft.Extensions.Options;

namespace Ledger.Server.Inspector;

public static class InspectorEndpoints
{
    /// <summary>The Inspector's options, checked at start so a bad value stops the server with one line.</summary>
    public static IServiceCollection AddLedgerInspector(this IServiceCollection services)
    {
        services.AddOptions<InspectorOptions>().BindConfiguration(InspectorOptions.Section)
            .Validate(o => o.IsValid, InspectorOptions.FrameAncestorsRule)
            .ValidateOnStart();
        return services;
    }

    /// <summary>
    /// <c>GET /inspector</c>: the Webhook Inspector page (it signs in and talks to <c>/graphql</c> only); its files under
    /// <c>/inspector/assets/</c>. Neither needs a key: the page holds no data of its own.
    /// </summary>
    public static IEndpointRouteBuilder MapLedgerInspector(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var assets = new InspectorAssets(endpoints.ServiceProvider.GetRequiredService<IOptions<InspectorOptions>>().Value);
        endpoints.MapGet(InspectorAssets.PagePath, assets.WritePageAsync);
        endpoints.MapGet(InspectorAssets.PagePath + "/assets/{**path}", (HttpContext context, string path) => assets.WriteAssetAsync(context, path));
        return endpoints;
    }
}
