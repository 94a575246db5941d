using System.Text.Json;

namespace Ledger.GraphQL.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class SubscriptionLoadTests(SharedServer shared)
{
    private const int Connections = 200;
    private const int SubscriptionsPerConnection = 5;
    private const int Events = 10;

    [Fact]
    public async Task A_thousand_concurrent_subscriptions_on_one_server_each_receive_every_update_in_order()
    {
        // Tenant "load" is this test's alone, so every update its subscribers hear is one of these events.
        var clients = new List<WsClient>();
        try
        {
            // Connected a few dozen at a time: all at once, some would wait past the connection_init timeout on two cores.
            foreach (var wave in Enumerable.Range(0, Connections).Chunk(25))
            {
                clients.AddRange(await Task.WhenAll(wave.Select(_ => WsClient.ConnectAndInitAsync(shared.Server.WebSocketAddress(), GraphQLServer.LoadTenantKey))));
            }
            await Task.WhenAll(clients.Select(async client =>
            {
                for (var s = 0; s < SubscriptionsPerConnection; s++)
                {
                    await client.SubscribeAsync($"s{s}", "subscription { ledgerAppended(streamPrefix: \"tenant-load\") { type data } }");
                }
            }));

            using var publisher = shared.Server.Client(GraphQLServer.LoadTenantKey);
            for (var i = 0; i < Events; i++)
            {
                await publisher.QueryAsync($"mutation {{ publishEvent(input: {{ type: \"load.event\", data: {{ n: {i} }} }}) {{ event {{ id }} }} }}");
            }

            var received = await Task.WhenAll(clients.Select(ReceiveAllAsync));

            Assert.All(received, perConnection => Assert.All(perConnection.Values, numbers => Assert.Equal(Enumerable.Range(0, Events), numbers)));
            Assert.Equal(Connections * SubscriptionsPerConnection, received.Sum(r => r.Count));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private static async Task<Dictionary<string, List<int>>> ReceiveAllAsync(WsClient client)
    {
        var numbers = Enumerable.Range(0, SubscriptionsPerConnection).ToDictionary(s => $"s{s}", _ => new List<int>());
        for (var i = 0; i < SubscriptionsPerConnection * Events; i++)
        {
            var message = await client.ReceiveAsync();
            Assert.Equal("next", message.Str("type"));
            var data = message.GetProperty("payload").GetProperty("data").GetProperty("ledgerAppended").GetProperty("data");
            numbers[message.Str("id")].Add(data.GetProperty("data").GetProperty("n").GetInt32());
        }
        return numbers;
    }
}
