using System.Net.WebSockets;
using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests;

/// <summary>A server with small connection and operation limits, so the tests can reach them.</summary>
public sealed class LimitedServer : IAsyncLifetime
{
    public const int ConnectionsPerKey = 3;
    public const int OperationsPerConnection = 5;

    public LedgerServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GraphQLServer.StartAsync(new Dictionary<string, string>
    {
        ["Ledger__GraphQL__MaxConnectionsPerKey"] = ConnectionsPerKey.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ledger__GraphQL__MaxOperationsPerConnection"] = OperationsPerConnection.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// What a subscriber may hold (docs/graphql.md): its unread updates are bounded in bytes per connection (1 MiB), whatever
/// their number; a key holds a bounded number of connections, and a connection a bounded number of operations.
/// </summary>
public sealed class SubscriberLimitTests(LimitedServer limited) : IClassFixture<LimitedServer>
{
    private const string Subscription = "subscription { ledgerAppended(streamPrefix: \"tenant-\") { data } }";

    [Fact]
    public async Task A_connection_that_leaves_more_than_1_MiB_of_updates_unread_is_closed_with_1008_long_before_its_update_count_limit()
    {
        var server = limited.Server;
        // A small receive window, so the kernel's buffers take little of what the server writes.
        await using var sleeper = await WsClient.ConnectAsync(server.WebSocketAddress(), receiveBuffer: 4096);
        await sleeper.SendAsync(new { type = "connection_init", payload = new { apiKey = GraphQLServer.SlowTenantKey } });
        Assert.Equal("connection_ack", (await sleeper.ReceiveAsync()).Str("type"));
        for (var i = 0; i < LimitedServer.OperationsPerConnection; i++)
        {
            await sleeper.SubscribeAsync($"slow{i}", Subscription);
        }
        await using var reader = await WsClient.ConnectAndInitAsync(server.WebSocketAddress(), GraphQLServer.SlowTenantKey);
        await reader.SubscribeAsync("fast", Subscription);

        // 12 events of 200 KB to 5 subscriptions: 12 MB for the sleeper, yet 12 updates a subscription, far below
        // the 256 the update count would allow. Only a limit in bytes closes it.
        using var publisher = server.Client(GraphQLServer.SlowTenantKey);
        var filler = new string('x', 200 * 1024);
        const int events = 12;
        for (var i = 0; i < events; i++)
        {
            await publisher.QueryAsync("mutation($data: JSON!) { publishEvent(input: { type: \"bytes.event\", data: $data }) { event { id } } }", new { data = new { n = i, filler } });
            await reader.NextMatchingAsync("fast", update => update.GetProperty("data").GetProperty("data").GetProperty("n").GetInt32() == i);
        }

        var (code, reason, messages) = await sleeper.ReceiveCloseAsync();
        Assert.True(code is null or 1008, $"expected a 1008 close or a cut connection, got {code} {reason}");
        Assert.InRange(messages, 0, (events * LimitedServer.OperationsPerConnection) - 1);
        if (code == 1008)
        {
            Assert.Contains("bytes", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_key_holds_at_most_its_connections_and_gets_one_back_when_one_closes()
    {
        var url = limited.Server.WebSocketAddress();
        var open = new List<WsClient>();
        try
        {
            for (var i = 0; i < LimitedServer.ConnectionsPerKey; i++)
            {
                open.Add(await WsClient.ConnectAndInitAsync(url, GraphQLServer.LoadTenantKey));
            }
            await using (var refused = await WsClient.ConnectAsync(url))
            {
                await refused.SendAsync(new { type = "connection_init", payload = new { apiKey = GraphQLServer.LoadTenantKey } });
                var (code, reason, messages) = await refused.ReceiveCloseAsync();
                Assert.Equal((1013, 0), (code, messages));
                Assert.Contains("at most 3", reason, StringComparison.Ordinal);
            }
            // Another key is not affected.
            await using (var other = await WsClient.ConnectAndInitAsync(url, GraphQLServer.OtherTenantKey))
            {
            }

            using (var timeout = new CancellationTokenSource(WsClient.Timeout))
            {
                await open[0].Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            await using var again = await WsClient.ConnectAndInitAsync(url, GraphQLServer.LoadTenantKey);
            await again.SendAsync(new { type = "ping" });
            Assert.Equal("pong", (await again.ReceiveAsync()).Str("type"));
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_connection_runs_at_most_its_operations_at_once()
    {
        await using var client = await WsClient.ConnectAndInitAsync(limited.Server.WebSocketAddress(), GraphQLServer.ApiKey);
        for (var i = 0; i < LimitedServer.OperationsPerConnection; i++)
        {
            await client.SubscribeAsync($"op{i}", Subscription);
        }

        await client.SendAsync(new { id = "one-too-many", type = "subscribe", payload = new { query = Subscription } });
        var answer = await client.ReceiveAsync();
        await client.SendAsync(new { id = "op0", type = "complete" });
        await client.SubscribeAsync("after-complete", Subscription);
        await client.SendAsync(new { type = "ping" });

        Assert.Equal(("error", "one-too-many"), (answer.Str("type"), answer.Str("id")));
        Assert.Contains("at most 5 operations", answer.GetProperty("payload")[0].Str("message"), StringComparison.Ordinal);
        Assert.Equal("pong", (await client.ReceiveAsync()).Str("type"));
    }
}
