using Ledger.GraphQL.Transport;
using Microsoft.AspNetCore.Http;

namespace Ledger.GraphQL.Tests;

/// <summary>The serving GraphiQL and the Inspector share, on a build that left a page out and on one that has it.</summary>
public sealed class EmbeddedPageTests
{
    private const string Policy = "default-src 'self'; frame-ancestors 'none'";

    private static async Task<(int Status, IHeaderDictionary Headers, string Body)> GetAsync(Func<HttpContext, Task> write)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;
        await write(context);
        return (context.Response.StatusCode, context.Response.Headers, System.Text.Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task A_page_the_build_left_out_answers_503_naming_how_to_build_it_with_its_policy_and_nosniff()
    {
        var page = new EmbeddedPage(typeof(EmbeddedPageTests).Assembly, "nothing-here/", "The Widget", "npm run build --prefix web/widget", Policy, referrerPolicy: "no-referrer");

        var (status, headers, body) = await GetAsync(page.WritePageAsync);

        Assert.False(page.IsBuilt);
        Assert.Equal(503, status);
        Assert.Equal("The Widget is not part of this build. Build it with `npm run build --prefix web/widget` from the repository root, then build the server again.", body);
        Assert.Equal((Policy, "nosniff", "no-referrer", "no-cache"),
            (headers.ContentSecurityPolicy.ToString(), headers.XContentTypeOptions.ToString(), headers["Referrer-Policy"].ToString(), headers.CacheControl.ToString()));
        Assert.Equal(404, (await GetAsync(c => page.WriteAssetAsync(c, "app.js"))).Status);
    }

    [Fact]
    public async Task A_built_page_serves_its_index_and_content_named_files_but_not_the_index_as_a_file()
    {
        var page = new EmbeddedPage(typeof(GraphiQLAssets).Assembly, "graphiql/", "GraphiQL", GraphiQLAssets.BuildCommand, Policy);
        Assert.True(page.IsBuilt, "GraphiQL is not embedded in this build: " + GraphiQLAssets.BuildCommand);

        var (status, headers, body) = await GetAsync(page.WritePageAsync);
        Assert.Equal((200, "text/html; charset=utf-8"), (status, headers.ContentType.ToString()));
        Assert.Contains("<script", body, StringComparison.Ordinal);
        Assert.False(headers.ContainsKey("Referrer-Policy"));
        Assert.Equal(404, (await GetAsync(c => page.WriteAssetAsync(c, "index.html"))).Status);
        var script = System.Text.RegularExpressions.Regex.Match(body, "src=\"/graphiql/([^\"]+\\.js)\"").Groups[1].Value;
        var asset = await GetAsync(c => page.WriteAssetAsync(c, script));
        Assert.Equal((200, "public, max-age=31536000, immutable", "nosniff"), (asset.Status, asset.Headers.CacheControl.ToString(), asset.Headers.XContentTypeOptions.ToString()));
    }
}
