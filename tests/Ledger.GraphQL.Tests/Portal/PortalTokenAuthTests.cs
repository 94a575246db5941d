using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ledger.GraphQL.Tests.Portal;

/// <summary>Creating and revoking portal tokens, and what a token authenticates: /graphql yes, REST never.</summary>
public sealed class PortalTokenAuthTests(PortalFixture portal) : IClassFixture<PortalFixture>
{
    private const string TokenEvents = "query { stream(id: \"tenant-portal\", first: 1000) { type } }";

    [Fact]
    public async Task Rest_answers_a_portal_token_401_while_graphql_takes_it()
    {
        var token = await portal.CreateTokenAsync(null, "read", "replay", "manage");
        using var client = portal.As(token);

        foreach (var (method, path) in new[] { ("GET", "/v1/webhooks"), ("GET", $"/v1/webhooks/{portal.A}"), ("POST", "/v1/portal-tokens"), ("DELETE", $"/v1/portal-tokens/{token.Id}") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(new { capabilities = new[] { "read" } }) : null };
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("UNAUTHENTICATED", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").Str("code"));
        }
        Assert.Equal(portal.A, (await client.QueryAsync("query($id: ID!) { webhook(id: $id) { id } }", new { id = portal.A })).GetProperty("webhook").Str("id"));
    }

    [Fact]
    public async Task A_created_token_answers_the_contracts_shape_and_is_kept_only_by_its_hash()
    {
        using var operatorClient = portal.Operator();
        using var response = await operatorClient.PostAsJsonAsync("/v1/portal-tokens", new { webhookIds = new[] { portal.A, portal.A }, capabilities = new[] { "REPLAY", "read" }, expiresInSeconds = 60 });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("pt_", body.Str("id"));
        var token = body.Str("token");
        Assert.Equal("/inspector?token=" + token, body.Str("url"));
        Assert.Equal([portal.A], body.GetProperty("webhookIds").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(["read", "replay"], body.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.True(DateTimeOffset.Parse(body.Str("expiresAt"), System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
        var ledger = await operatorClient.GetStringAsync("/v1/ledger/streams/tenant-portal");
        Assert.DoesNotContain(token, ledger, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token))), ledger, StringComparison.Ordinal);

        var whole = (await operatorClient.QueryAsync("mutation { createPortalToken(input: { capabilities: [MANAGE] }) { id token url expiresAt webhookIds capabilities } }"))
            .GetProperty("createPortalToken");
        Assert.Equal(JsonValueKind.Null, whole.GetProperty("webhookIds").ValueKind);
        Assert.Equal(["MANAGE"], whole.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        var lifetime = DateTimeOffset.Parse(whole.Str("expiresAt"), System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow;
        Assert.InRange(lifetime.TotalMinutes, 30, 61);
    }

    [Theory]
    [InlineData("""{"capabilities": ["read", "admin"]}""", 400, "capabilities")]
    [InlineData("""{"capabilities": []}""", 400, "capabilities")]
    [InlineData("""{"webhookIds": null}""", 400, "capabilities")]
    [InlineData("""{"capabilities": "read"}""", 400, "capabilities")]
    [InlineData("""{"capabilities": ["read"], "expiresInSeconds": 59}""", 400, "expiresInSeconds")]
    [InlineData("""{"capabilities": ["read"], "expiresInSeconds": 2592001}""", 400, "expiresInSeconds")]
    [InlineData("""{"capabilities": ["read"], "expiresInSeconds": "3600"}""", 400, "expiresInSeconds")]
    [InlineData("""{"capabilities": ["read"], "webhookIds": []}""", 400, "webhookIds")]
    [InlineData("""{"capabilities": ["read"], "webhookIds": ["wh_nope"]}""", 404, "webhookIds")]
    [InlineData("""{"capabilities": ["read"], "webhookIds": "STRANGER"}""", 404, "webhookIds")]
    [InlineData("""{"capabilities": ["read"]""", 400, null)]
    public async Task Bad_input_is_refused_with_the_contracts_error_and_creates_no_token(string json, int status, string? field)
    {
        using var client = portal.Operator();
        var before = await CountTokenEventsAsync(client);
        using var content = new StringContent(json.Replace("\"STRANGER\"", $"[\"{portal.StrangerWebhook}\"]", StringComparison.Ordinal), Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/v1/portal-tokens", content);

        Assert.Equal(status, (int)response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(status == 404 ? "NOT_FOUND" : "VALIDATION_FAILED", error.Str("code"));
        if (field is not null)
        {
            Assert.Equal(field, error.Str("field"));
        }
        Assert.Equal(before, await CountTokenEventsAsync(client));
    }

    [Fact]
    public async Task Graphql_refuses_bad_input_alike_and_revoking_an_unknown_or_foreign_token_is_not_found()
    {
        using var client = portal.Operator();
        await client.ErrorAsync("mutation { createPortalToken(input: { capabilities: [READ], expiresInSeconds: 10 }) { id } }", "VALIDATION_FAILED");
        await client.ErrorAsync("mutation { createPortalToken(input: { capabilities: [] }) { id } }", "VALIDATION_FAILED");
        await client.ErrorAsync("mutation($id: ID!) { createPortalToken(input: { capabilities: [READ], webhookIds: [$id] }) { id } }", "NOT_FOUND", new { id = portal.StrangerWebhook });
        await client.ErrorAsync("mutation { revokePortalToken(id: \"pt_unknown\") }", "NOT_FOUND");

        using var stranger = portal.Server.Client(PortalFixture.StrangerKey);
        var mine = await portal.CreateTokenAsync(null, "read");
        using var response = await stranger.DeleteAsync($"/v1/portal-tokens/{mine.Id}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var tokenClient = portal.As(mine);
        await tokenClient.QueryAsync("{ webhooks { totalCount } }");
    }

    [Fact]
    public async Task Revoking_a_token_closes_its_subscriptions_with_4403_and_refuses_it_everywhere_after()
    {
        var revoked = await portal.CreateTokenAsync([portal.A], "read");
        var kept = await portal.CreateTokenAsync([portal.A], "read");
        await using var doomed = await WsClient.ConnectAndInitAsync(portal.Server.WebSocketAddress(), revoked.Token);
        await doomed.SubscribeAsync("updates", "subscription { deliveryUpdated { id } }");
        await using var survivor = await WsClient.ConnectAndInitAsync(portal.Server.WebSocketAddress(), kept.Token);
        await survivor.SubscribeAsync("updates", "subscription { deliveryUpdated { id } }");
        using var operatorClient = portal.Operator();

        using (var response = await operatorClient.DeleteAsync($"/v1/portal-tokens/{revoked.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var (code, _, _) = await doomed.ReceiveCloseAsync();
        Assert.Equal(4403, code);
        using var revokedClient = portal.As(revoked);
        var http = await revokedClient.PostAsync("{ webhooks { totalCount } }");
        Assert.Equal(401, http.Status);
        Assert.Contains("UNAUTHENTICATED", http.Body.GetRawText(), StringComparison.Ordinal);
        await using var again = await WsClient.ConnectAsync(portal.Server.WebSocketAddress());
        await again.SendAsync(new { type = "connection_init", payload = new { authorization = "Bearer " + revoked.Token } });
        Assert.Equal(4403, (await again.ReceiveCloseAsync()).Code);
        using (var response = await operatorClient.DeleteAsync($"/v1/portal-tokens/{revoked.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        // The other token's connection is untouched: it still answers, and still hears its webhook.
        await PortalFixture.PublishAsync(operatorClient, "a.after-revoke");
        await survivor.NextMatchingAsync("updates", _ => true);
    }

    [Fact]
    public async Task A_token_of_the_shortest_lifetime_works_until_revoked_like_any_other()
    {
        var shortest = await portal.CreateTokenAsync([portal.A], 60, "read");
        using var operatorClient = portal.Operator();
        using var client = portal.As(shortest);
        await client.QueryAsync("{ webhooks { totalCount } }");
        Assert.Equal(HttpStatusCode.NoContent, (await operatorClient.DeleteAsync($"/v1/portal-tokens/{shortest.Id}")).StatusCode);
        Assert.Equal(401, (await client.PostAsync("{ webhooks { totalCount } }")).Status);
    }

    private static async Task<int> CountTokenEventsAsync(HttpClient client) =>
        (await client.QueryAsync(TokenEvents)).GetProperty("stream").EnumerateArray().Count(e => e.Str("type").StartsWith("portal-token.", StringComparison.Ordinal));
}
