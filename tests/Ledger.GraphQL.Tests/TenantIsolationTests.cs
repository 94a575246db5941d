using System.Text.Json;

namespace Ledger.GraphQL.Tests;

/// <summary>Another tenant's ids, named in queries or in subscription arguments, answer as unknown and never as data.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class TenantIsolationTests(SharedServer shared)
{
    [Fact]
    public async Task Another_tenants_event_and_delivery_ids_answer_as_unknown()
    {
        using var owner = shared.Server.Client();
        using var stranger = shared.Server.Client(GraphQLServer.OtherTenantKey);
        await owner.QueryAsync("mutation($url: String!) { createWebhook(input: { url: $url, retrySchedule: [], events: [\"iso.query\"] }) { webhook { id } } }", new { url = Receivers.Refusing() });
        var published = (await owner.QueryAsync("mutation { publishEvent(input: { type: \"iso.query\", data: { secret: 1 } }) { event { id } deliveries { id } } }"))
            .GetProperty("publishEvent");
        var eventId = published.GetProperty("event").Str("id");
        var deliveryId = published.GetProperty("deliveries")[0].Str("id");

        var seen = await stranger.QueryAsync("query($e: ID!, $d: ID!) { event(id: $e) { id } delivery(id: $d) { id } }", new { e = eventId, d = deliveryId });

        Assert.Equal(JsonValueKind.Null, seen.GetProperty("event").ValueKind);
        Assert.Equal(JsonValueKind.Null, seen.GetProperty("delivery").ValueKind);
        Assert.DoesNotContain(
            (await stranger.QueryAsync("{ deliveries(first: 250) { edges { node { id } } } }")).GetProperty("deliveries").GetProperty("edges").EnumerateArray(),
            e => e.GetProperty("node").Str("id") == deliveryId);
    }

    [Fact]
    public async Task Subscribing_with_another_tenants_webhook_id_or_stream_prefix_hears_nothing_of_it()
    {
        using var owner = shared.Server.Client();
        using var stranger = shared.Server.Client(GraphQLServer.OtherTenantKey);
        var webhookId = (await owner.QueryAsync("mutation($url: String!) { createWebhook(input: { url: $url, retrySchedule: [0, 0], events: [\"iso.sub\"] }) { webhook { id } } }", new { url = Receivers.Refusing() }))
            .GetProperty("createWebhook").GetProperty("webhook").Str("id");
        await using var listener = await WsClient.ConnectAndInitAsync(shared.Server.WebSocketAddress(), GraphQLServer.OtherTenantKey);
        await listener.SubscribeAsync("theirs", "subscription($id: ID) { deliveryUpdated(webhookId: $id) { id } }", new { id = webhookId });
        await listener.SubscribeAsync("lanes", "subscription($p: String) { ledgerAppended(streamPrefix: $p) { streamId } }", new { p = "delivery-" + webhookId });
        await listener.SubscribeAsync("tenant", "subscription { ledgerAppended(streamPrefix: \"tenant-default\") { streamId } }");
        await listener.SubscribeAsync("breaker", "subscription($id: ID) { circuitBreakerChanged(webhookId: $id) { id } }", new { id = webhookId });
        await listener.SubscribeAsync("own", "subscription { ledgerAppended(streamPrefix: \"tenant-other\") { data } }");

        // The owner's delivery is created, attempted and fails three times: events on its tenant and lane streams.
        var deliveryId = (await owner.QueryAsync("mutation { publishEvent(input: { type: \"iso.sub\", data: {} }) { deliveries { id } } }"))
            .GetProperty("publishEvent").GetProperty("deliveries")[0].Str("id");
        await WaitForFailureAsync(owner, webhookId, deliveryId);
        await stranger.QueryAsync("mutation { publishEvent(input: { type: \"iso.own\", data: { n: 1 } }) { event { id } } }");
        await listener.NextMatchingAsync("own", _ => true);
        await stranger.QueryAsync("mutation { publishEvent(input: { type: \"iso.own\", data: { n: 2 } }) { event { id } } }");

        // Everything of the owner's was committed before the stranger's second event, so it would have come first.
        var second = await listener.NextMatchingAsync("own", update => update.GetProperty("data").GetProperty("data").GetProperty("n").GetInt32() == 2);
        Assert.Equal(2, second.GetProperty("data").GetProperty("data").GetProperty("n").GetInt32());
    }

    private async Task WaitForFailureAsync(HttpClient client, string webhookId, string deliveryId)
    {
        await using var watcher = await WsClient.ConnectAndInitAsync(shared.Server.WebSocketAddress(), GraphQLServer.ApiKey);
        await watcher.SubscribeAsync("watch", "subscription($id: ID) { deliveryUpdated(webhookId: $id, status: [FAILED]) { id } }", new { id = webhookId });
        if ((await client.QueryAsync("query($id: ID!) { delivery(id: $id) { status } }", new { id = deliveryId })).GetProperty("delivery").Str("status") != "FAILED")
        {
            await watcher.NextMatchingAsync("watch", d => d.Str("id") == deliveryId);
        }
    }
}
