using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;

namespace Ledger.Inspector.Tests;

/// <summary>The page as the server hands it out: headers a browser enforces, and what a first visit downloads.</summary>
[Collection(InspectorCollection.Name)]
public sealed partial class InspectorServingTests(InspectorFixture fixture)
{
    /// <summary>What a first visit may download, gzipped: the page's JavaScript.</summary>
    private const int GzippedJavaScriptBudget = 160 * 1024;

    [Fact]
    public async Task The_page_needs_no_key_and_allows_this_origin_only_and_framing_by_itself()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var response = await anonymous.GetAsync(new Uri("/inspector", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("http", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var missing = await anonymous.GetAsync(new Uri("/inspector/assets/nothing.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Ledger__Inspector__FrameAncestors_sets_who_may_embed_the_page_and_a_value_that_could_break_the_policy_stops_the_server()
    {
        await using (var server = await LedgerServer.StartAsync(new Dictionary<string, string>
        {
            ["Ledger__Inspector__FrameAncestors"] = "'self' https://dashboard.example.com",
        }))
        {
            using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
            using var response = await anonymous.GetAsync(new Uri("/inspector", UriKind.Relative));
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.EndsWith("frame-ancestors 'self' https://dashboard.example.com", csp, StringComparison.Ordinal);
        }

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => LedgerServer.StartAsync(new Dictionary<string, string>
        {
            ["Ledger__Inspector__FrameAncestors"] = "*; script-src *",
        }));
        Assert.Contains("Ledger:Inspector:FrameAncestors", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pages_javascript_stays_within_its_gzipped_budget()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        var html = await anonymous.GetStringAsync(new Uri("/inspector", UriKind.Relative));
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        long total = 0;
        foreach (var script in scripts)
        {
            var bytes = await anonymous.GetByteArrayAsync(new Uri(script, UriKind.Relative));
            using var gzipped = new MemoryStream();
            await using (var gzip = new GZipStream(gzipped, CompressionLevel.Optimal, leaveOpen: true))
            {
                await gzip.WriteAsync(bytes);
            }
            total += gzipped.Length;
        }
        Assert.True(total <= GzippedJavaScriptBudget, $"the Inspector's JavaScript is {total} bytes gzipped; the budget is {GzippedJavaScriptBudget}");
    }

    [GeneratedRegex("<script[^>]+src=\"(/inspector/assets/[^\"]+\\.js)\"")]
    private static partial Regex ScriptSource();
}
