using System.Net.Http.Json;
using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests;

/// <summary>
/// A webhook URL with whitespace or a control character, or port 0, is refused as given (never trimmed or escaped)
/// at create and update, by REST and GraphQL alike, and the stored webhook is unchanged.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class WebhookUrlTests(SharedServer shared)
{
    public static TheoryData<string> BadUrls =>
    [
        "http://127.0.0.1:9/hook\r\nX-Injected: yes",
        "http://127.0.0.1:9/hook\n",
        "http://127.0.0.1:9/a b",
        " http://127.0.0.1:9/hook",
        "http://127.0.0.1:9/hook\t",
        "http://127.0.0.1:0/hook",
    ];

    [Theory]
    [MemberData(nameof(BadUrls))]
    public async Task A_url_with_whitespace_a_control_character_or_port_0_is_refused_at_create_and_update(string url)
    {
        using var client = shared.Server.Client();
        const string good = "http://127.0.0.1:9/url-test";
        var id = (await client.CreateWebhookAsync(new { url = good, events = new[] { "url.test.none" } })).Id();

        var restCreate = (await (await client.PostAsJsonAsync("/v1/webhooks", new { url })).JsonAsync(400)).GetProperty("error");
        var restPatch = (await (await client.PatchAsJsonAsync($"/v1/webhooks/{id}", new { url })).JsonAsync(400)).GetProperty("error");
        var graphCreate = await client.ErrorAsync("mutation($url: String!) { createWebhook(input: { url: $url }) { webhook { id } } }", "VALIDATION_FAILED", new { url });
        var graphUpdate = await client.ErrorAsync("mutation($id: ID!, $url: String!) { updateWebhook(id: $id, input: { url: $url }) { id } }", "VALIDATION_FAILED", new { id, url });

        Assert.Equal(("VALIDATION_FAILED", "url"), (restCreate.Str("code"), restCreate.Str("field")));
        Assert.Equal(("VALIDATION_FAILED", "url"), (restPatch.Str("code"), restPatch.Str("field")));
        Assert.Equal("url", graphCreate.GetProperty("extensions").Str("field"));
        Assert.Equal("url", graphUpdate.GetProperty("extensions").Str("field"));
        var stored = await (await client.GetAsync($"/v1/webhooks/{id}")).JsonAsync(200);
        Assert.Equal(good, stored.Str("url"));
    }
}
