namespace Ledger.GraphQL.Tests;

public sealed class SlowSubscriberTests
{
    private const int Buffer = 8;
    private const int Events = 150;

    [Fact]
    public async Task A_subscriber_that_never_reads_is_cut_off_while_a_reading_one_gets_everything()
    {
        await using var server = await GraphQLServer.StartAsync(new Dictionary<string, string> { ["Ledger__GraphQL__SubscriberBuffer"] = Buffer.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        const string subscription = "subscription { ledgerAppended(streamPrefix: \"tenant-\") { data } }";
        // A small receive window, so the server's writes block soon after this client stops reading.
        await using var sleeper = await WsClient.ConnectAsync(server.WebSocketAddress(), receiveBuffer: 4096);
        await sleeper.SendAsync(new { type = "connection_init", payload = new { apiKey = GraphQLServer.SlowTenantKey } });
        Assert.Equal("connection_ack", (await sleeper.ReceiveAsync()).Str("type"));
        await sleeper.SubscribeAsync("slow", subscription);
        await using var reader = await WsClient.ConnectAndInitAsync(server.WebSocketAddress(), GraphQLServer.SlowTenantKey);
        await reader.SubscribeAsync("fast", subscription);

        // Each update carries 64 KiB, so the sleeper's socket fills after a few of them.
        using var publisher = server.Client(GraphQLServer.SlowTenantKey);
        var filler = new string('x', 64 * 1024);
        for (var i = 0; i < Events; i++)
        {
            await publisher.QueryAsync("mutation($data: JSON!) { publishEvent(input: { type: \"slow.event\", data: $data }) { event { id } } }", new { data = new { n = i, filler } });
            // The reader keeps up: every update reaches it, one publish at a time.
            await reader.NextMatchingAsync("fast", update => update.GetProperty("data").GetProperty("data").GetProperty("n").GetInt32() == i);
        }

        // The hub handed every update to both before the reader saw the last one, so the sleeper is over its budget
        // by now: reading at last, it finds its connection ended after far fewer than all updates.
        var (code, _, messages) = await sleeper.ReceiveCloseAsync();
        Assert.True(code is null or 1008, $"expected a 1008 close or a cut connection, got {code}");
        Assert.InRange(messages, 0, Events - 1);
    }
}
