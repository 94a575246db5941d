namespace Ledger.GraphQL.Tests;

/// <summary>graphql-transport-ws message by message, each close code of graphql-ws PROTOCOL.md.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class WebSocketProtocolTests(SharedServer shared)
{
    private Uri Url => shared.Server.WebSocketAddress();

    [Fact]
    public async Task No_connection_init_within_the_timeout_closes_with_4408()
    {
        await using var client = await WsClient.ConnectAsync(Url);

        var (code, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal((4408, "Connection initialisation timeout"), (code, reason));
    }

    [Fact]
    public async Task An_unknown_or_missing_key_closes_with_4403()
    {
        foreach (var payload in new object?[] { new { authorization = "Bearer nope_0123456789abcdef" }, new { apiKey = "nope_0123456789abcdef" }, new { }, null })
        {
            await using var client = await WsClient.ConnectAsync(Url);
            await client.SendAsync(new { type = "connection_init", payload });

            var (code, reason, messages) = await client.ReceiveCloseAsync();

            Assert.Equal((4403, "Forbidden", 0), (code, reason, messages));
        }
    }

    [Fact]
    public async Task Both_key_forms_are_acknowledged()
    {
        foreach (var payload in new object[] { new { authorization = "Bearer " + GraphQLServer.ApiKey }, new { apiKey = GraphQLServer.ApiKey } })
        {
            await using var client = await WsClient.ConnectAsync(Url);
            await client.SendAsync(new { type = "connection_init", payload });

            Assert.Equal("connection_ack", (await client.ReceiveAsync()).Str("type"));
        }
    }

    [Fact]
    public async Task Subscribe_before_the_ack_closes_with_4401()
    {
        await using var client = await WsClient.ConnectAsync(Url);
        await client.SendAsync(new { id = "1", type = "subscribe", payload = new { query = "{ __typename }" } });

        var (code, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal((4401, "Unauthorized"), (code, reason));
    }

    [Fact]
    public async Task A_second_connection_init_closes_with_4429()
    {
        await using var client = await WsClient.ConnectAndInitAsync(Url, GraphQLServer.ApiKey);
        await client.SendAsync(new { type = "connection_init", payload = new { apiKey = GraphQLServer.ApiKey } });

        var (code, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal((4429, "Too many initialisation requests"), (code, reason));
    }

    [Fact]
    public async Task Subscribing_again_with_a_live_id_closes_with_4409()
    {
        await using var client = await WsClient.ConnectAndInitAsync(Url, GraphQLServer.ApiKey);
        await client.SubscribeAsync("same", "subscription { ledgerAppended { type } }");
        await client.SendAsync(new { id = "same", type = "subscribe", payload = new { query = "subscription { ledgerAppended { type } }" } });

        var (code, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal((4409, "Subscriber for same already exists"), (code, reason));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"type":"no_such_type"}""")]
    [InlineData("""{"id":"1"}""")]
    [InlineData("""{"type":"subscribe","payload":{"query":"{ __typename }"}}""")]
    [InlineData("""{"type":"subscribe","id":"1","payload":{}}""")]
    [InlineData("""{"type":"next","id":"1","payload":{}}""")]
    public async Task An_invalid_message_closes_with_4400(string message)
    {
        await using var client = await WsClient.ConnectAndInitAsync(Url, GraphQLServer.ApiKey);
        await client.SendTextAsync(message);

        var (code, reason, _) = await client.ReceiveCloseAsync();

        Assert.Equal(4400, code);
        Assert.StartsWith("Invalid message received", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_without_the_subprotocol_is_closed_with_4406()
    {
        await using var client = await WsClient.ConnectAsync(Url, subProtocol: null);

        var (code, _, _) = await client.ReceiveCloseAsync();

        Assert.Equal(4406, code);
    }

    [Fact]
    public async Task Ping_is_answered_with_pong_before_and_after_the_ack()
    {
        await using var client = await WsClient.ConnectAsync(Url);
        await client.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await client.ReceiveAsync()).Str("type"));
        await client.SendAsync(new { type = "connection_init", payload = new { apiKey = GraphQLServer.ApiKey } });
        Assert.Equal("connection_ack", (await client.ReceiveAsync()).Str("type"));
        await client.SendAsync(new { type = "ping", payload = new { at = 1 } });
        Assert.Equal("pong", (await client.ReceiveAsync()).Str("type"));
    }

    [Fact]
    public async Task A_query_answers_next_then_complete_and_an_invalid_one_answers_error()
    {
        await using var client = await WsClient.ConnectAndInitAsync(Url, GraphQLServer.ApiKey);

        await client.SendAsync(new { id = "q", type = "subscribe", payload = new { query = "{ __typename webhooks(first: 1) { totalCount } }" } });
        var next = await client.ReceiveAsync();
        Assert.Equal(("next", "q"), (next.Str("type"), next.Str("id")));
        Assert.Equal("Query", next.GetProperty("payload").GetProperty("data").Str("__typename"));
        var complete = await client.ReceiveAsync();
        Assert.Equal(("complete", "q"), (complete.Str("type"), complete.Str("id")));

        await client.SendAsync(new { id = "bad", type = "subscribe", payload = new { query = "{ noSuchField }" } });
        var error = await client.ReceiveAsync();
        Assert.Equal(("error", "bad"), (error.Str("type"), error.Str("id")));
        Assert.True(error.GetProperty("payload").GetArrayLength() > 0);
    }

    [Fact]
    public async Task A_subscription_hears_its_own_tenant_only_and_stops_at_complete()
    {
        using var owner = shared.Server.Client();
        using var stranger = shared.Server.Client(GraphQLServer.OtherTenantKey);
        await using var listener = await WsClient.ConnectAndInitAsync(Url, GraphQLServer.OtherTenantKey);
        await listener.SubscribeAsync("mine", "subscription { ledgerAppended(streamPrefix: \"tenant-\") { streamId type data } }");

        await owner.QueryAsync("mutation { publishEvent(input: { type: \"secret.default\", data: { who: \"default\" } }) { event { id } } }");
        await stranger.QueryAsync("mutation { publishEvent(input: { type: \"visible.other\", data: { who: \"other\" } }) { event { id } } }");

        // Updates go out in commit order, so the other tenant's event arriving first proves the earlier one was withheld.
        var first = await listener.NextMatchingAsync("mine", _ => true);
        Assert.Equal("tenant-other", first.Str("streamId"));
        Assert.Equal("visible.other", first.GetProperty("data").Str("type"));

        await listener.SendAsync(new { id = "mine", type = "complete" });
        await stranger.QueryAsync("mutation { publishEvent(input: { type: \"after.complete\", data: {} }) { event { id } } }");
        await listener.SubscribeAsync("probe", "subscription { ledgerAppended(streamPrefix: \"tenant-\") { type } }");
        await stranger.QueryAsync("mutation { publishEvent(input: { type: \"probe\", data: {} }) { event { id } } }");

        // Had "mine" still been live, its update of after.complete would have come before anything of "probe".
        await listener.NextMatchingAsync("probe", update => update.Str("type") == "event.published.v1");
    }
}
