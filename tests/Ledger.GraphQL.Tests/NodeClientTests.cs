namespace Ledger.GraphQL.Tests;

/// <summary>The npm graphql-ws client (what GraphiQL and Apollo use), unchanged, against the server.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class NodeClientTests(SharedServer shared)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_graphql_ws_client_receives_deliveryUpdated_for_a_newly_published_event()
    {
        using var client = shared.Server.Client();
        var webhookId = (await client.QueryAsync("mutation($url: String!) { createWebhook(input: { url: $url, retrySchedule: [], events: [\"node.*\"] }) { webhook { id } } }", new { url = Receivers.Refusing() }))
            .GetProperty("createWebhook").GetProperty("webhook").Str("id");
        using var subscriber = NodeSubscriber.Start(new
        {
            url = shared.Server.WebSocketAddress().ToString(),
            connectionParams = new { authorization = "Bearer " + GraphQLServer.ApiKey },
            query = "subscription($id: ID) { deliveryUpdated(webhookId: $id) { id status event { id type } webhook { id } } }",
            variables = new { id = webhookId },
            count = 1,
        });
        Assert.True((await subscriber.NextAsync(Wait)).GetProperty("ready").GetBoolean());

        var published = (await client.QueryAsync("mutation { publishEvent(input: { type: \"node.published\", data: { n: 1 } }) { event { id } deliveries { id } } }"))
            .GetProperty("publishEvent");

        var update = (await subscriber.NextAsync(Wait)).GetProperty("next").GetProperty("data").GetProperty("deliveryUpdated");
        Assert.Equal(published.GetProperty("deliveries")[0].Str("id"), update.Str("id"));
        Assert.Equal(published.GetProperty("event").Str("id"), update.GetProperty("event").Str("id"));
        Assert.Equal("node.published", update.GetProperty("event").Str("type"));
        Assert.Equal(webhookId, update.GetProperty("webhook").Str("id"));
        Assert.Equal(0, await subscriber.ExitCodeAsync(Wait));
    }

    [Fact]
    public async Task The_graphql_ws_client_is_refused_with_a_bad_key()
    {
        using var subscriber = NodeSubscriber.Start(new
        {
            url = shared.Server.WebSocketAddress().ToString(),
            connectionParams = new { apiKey = "wrong_key_0123456789" },
            query = "subscription { ledgerAppended { type } }",
            count = 1,
        });

        var line = await subscriber.NextAsync(Wait);

        Assert.Equal(4403, line.GetProperty("closed").GetProperty("code").GetInt32());
        Assert.Equal(1, await subscriber.ExitCodeAsync(Wait));
    }
}
