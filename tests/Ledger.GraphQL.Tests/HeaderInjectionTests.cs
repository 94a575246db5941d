using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests;

/// <summary>
/// A publisher cannot reach into a receiver's headers (docs/rest.md): an <c>apiVersion</c> that is not 1–64 visible
/// ASCII characters is refused by REST and GraphQL alike, and metadata, which may hold line breaks, only ever travels
/// in the body. Checked at a receiver that frames the raw bytes itself, so a smuggled header or request would show.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class HeaderInjectionTests(SharedServer shared)
{
    private const string Publish = "mutation($input: PublishEventInput!) { publishEvent(input: $input) { created } }";

    public static TheoryData<string> RefusedVersions =>
    [
        "1\r\nContent-Length: 0\r\n\r\nGET /smuggled HTTP/1.1\r\nX: y",
        "2026\r\nX-Injected: yes",
        "2026\nX-Injected: yes",
        "2026\tX-Injected",
        "2026 04 29",
        "2026-04-29\u00e9",
        "",
        new string('1', 65),
    ];

    [Theory]
    [MemberData(nameof(RefusedVersions))]
    public async Task An_apiVersion_that_is_not_visible_ASCII_is_refused_by_REST_and_GraphQL_and_never_reaches_a_receiver(string apiVersion)
    {
        await using var receiver = RawTcpReceiver.Start();
        using var client = shared.Server.Client();
        var type = "inject." + Guid.NewGuid().ToString("N");
        await client.CreateWebhookAsync(new { url = receiver.Url(), profile = "kash", events = new[] { type } });

        var rest = (await (await client.PostAsJsonAsync("/v1/events", new { type, data = new { }, apiVersion })).JsonAsync(400)).GetProperty("error");
        var graphql = await client.ErrorAsync(Publish, "VALIDATION_FAILED", new { input = new { type, data = new { }, apiVersion } });
        await client.PublishAsync(new { type, data = new { n = 1 }, apiVersion = "2026-04-29" });

        Assert.Equal("VALIDATION_FAILED", rest.Str("code"));
        Assert.Equal("apiVersion", rest.Str("field"));
        Assert.Equal("apiVersion", graphql.GetProperty("extensions").Str("field"));
        // One lane, in publish order: a refused event that had been let through would have arrived first.
        var request = Assert.Single(await receiver.WaitForCountAsync(1));
        Assert.Equal("POST /hook HTTP/1.1", request.RequestLine);
        Assert.Equal(["2026-04-29"], request.Values("X-Kash-Api-Version"));
        Assert.DoesNotContain("smuggled", receiver.ReceivedText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Injected", receiver.ReceivedText, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Metadata_with_line_breaks_is_accepted_and_travels_only_in_the_body()
    {
        await using var receiver = RawTcpReceiver.Start();
        using var client = shared.Server.Client();
        var type = "inject." + Guid.NewGuid().ToString("N");
        await client.CreateWebhookAsync(new { url = receiver.Url(), profile = "kash", events = new[] { type } });
        const string note = "line one\r\nX-Injected: yes\r\n\r\nGET /smuggled HTTP/1.1";

        await client.PublishAsync(new { type, data = new { n = 1 }, metadata = new { note } });

        var request = Assert.Single(await receiver.WaitForCountAsync(1));
        Assert.DoesNotContain(request.Headers, h => h.Key.Contains("Injected", StringComparison.OrdinalIgnoreCase));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(note, body.RootElement.GetProperty("data").GetProperty("metadata").Str("note"));
        Assert.Contains("line one\\r\\nX-Injected", Encoding.UTF8.GetString(request.Body), StringComparison.Ordinal);
        Assert.DoesNotContain(receiver.ReceivedText.Split("\r\n"), line => line.StartsWith("X-Injected", StringComparison.OrdinalIgnoreCase));
    }
}
