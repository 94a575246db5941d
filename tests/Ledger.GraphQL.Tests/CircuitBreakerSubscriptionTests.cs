namespace Ledger.GraphQL.Tests;

/// <summary><c>circuitBreakerChanged</c> and <c>resetCircuitBreaker</c> through the npm graphql-ws client, unchanged.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class CircuitBreakerSubscriptionTests(SharedServer shared)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_graphql_ws_client_hears_the_breaker_open_and_the_reset_close_it()
    {
        using var client = shared.Server.Client();
        var webhookId = (await client.QueryAsync(
                "mutation($url: String!) { createWebhook(input: { url: $url, retrySchedule: [0, 0, 0, 0, 0, 0, 0, 0], events: [\"cbsub.*\"] }) { webhook { id circuitState } } }",
                new { url = Receivers.Refusing() }))
            .GetProperty("createWebhook").GetProperty("webhook").Str("id");
        using var subscriber = NodeSubscriber.Start(new
        {
            url = shared.Server.WebSocketAddress().ToString(),
            connectionParams = new { authorization = "Bearer " + GraphQLServer.ApiKey },
            query = "subscription($id: ID) { circuitBreakerChanged(webhookId: $id) { id circuitState circuitOpenedAt nextProbeAt } }",
            variables = new { id = webhookId },
            count = 2,
        });
        Assert.True((await subscriber.NextAsync(Wait)).GetProperty("ready").GetBoolean());

        await client.QueryAsync("mutation { publishEvent(input: { type: \"cbsub.happened\", data: { n: 1 } }) { event { id } } }");
        var opened = (await subscriber.NextAsync(Wait)).GetProperty("next").GetProperty("data").GetProperty("circuitBreakerChanged");
        var reset = (await client.QueryAsync("mutation($id: ID!) { resetCircuitBreaker(webhookId: $id) { circuitState circuitOpenedAt } }", new { id = webhookId }))
            .GetProperty("resetCircuitBreaker");
        var closed = (await subscriber.NextAsync(Wait)).GetProperty("next").GetProperty("data").GetProperty("circuitBreakerChanged");

        Assert.Equal(webhookId, opened.Str("id"));
        Assert.Equal("OPEN", opened.Str("circuitState"));
        Assert.Equal(DateTimeOffset.Parse(opened.Str("circuitOpenedAt")!, System.Globalization.CultureInfo.InvariantCulture).AddSeconds(30),
            DateTimeOffset.Parse(opened.Str("nextProbeAt")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("CLOSED", reset.Str("circuitState"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reset.GetProperty("circuitOpenedAt").ValueKind);
        Assert.Equal("CLOSED", closed.Str("circuitState"));
        Assert.Equal(0, await subscriber.ExitCodeAsync(Wait));
    }
}
