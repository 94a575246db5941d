using System.Text.Json;
using GraphQLParser;
using GraphQLParser.AST;
using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests;

/// <summary>Every root query and mutation field of the contract, over HTTP against the running server.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class HttpRootFieldTests(SharedServer shared)
{
    private readonly HashSet<string> _covered = new(StringComparer.Ordinal);

    [Fact]
    public async Task Every_root_query_and_mutation_field_of_the_contract_works_over_http()
    {
        using var client = shared.Server.Client();

        var created = (await RunAsync(client, "createWebhook", """
            mutation($url: String!) {
              createWebhook(input: { url: $url, retrySchedule: [], description: "tour", events: ["tour.*", "test"], ordering: UNORDERED,
                                     metadata: { team: "payments" }, filters: { identifier: "" } }) {
                secret webhook { id url description ordering circuitState retrySchedule events active createdAt metadata }
              }
            }
            """, new { url = Receivers.Refusing() })).GetProperty("createWebhook");
        var webhook = created.GetProperty("webhook");
        var webhookId = webhook.Str("id");
        Assert.StartsWith("whsec_", created.Str("secret"));
        Assert.Equal("UNORDERED", webhook.Str("ordering"));
        Assert.Equal("CLOSED", webhook.Str("circuitState"));
        Assert.Equal(0, webhook.GetProperty("retrySchedule").GetArrayLength());
        Assert.Equal("payments", webhook.GetProperty("metadata").Str("team"));

        var fetched = (await RunAsync(client, "webhook", "query($id: ID!) { webhook(id: $id) { id url } }", new { id = webhookId })).GetProperty("webhook");
        Assert.Equal(webhook.Str("url"), fetched.Str("url"));

        var list = (await RunAsync(client, "webhooks", "{ webhooks(first: 250) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }")).GetProperty("webhooks");
        Assert.Contains(list.GetProperty("edges").EnumerateArray(), e => e.GetProperty("node").Str("id") == webhookId);
        Assert.True(list.GetProperty("totalCount").GetInt32() >= 1);

        var updated = (await RunAsync(client, "updateWebhook", """
            mutation($id: ID!) { updateWebhook(id: $id, input: { description: "tour, updated", rateLimitPerMinute: 600 }) { description rateLimitPerMinute url } }
            """, new { id = webhookId })).GetProperty("updateWebhook");
        Assert.Equal("tour, updated", updated.Str("description"));
        Assert.Equal(600, updated.GetProperty("rateLimitPerMinute").GetInt32());

        var rotated = (await RunAsync(client, "rotateWebhookSecret", "mutation($id: ID!) { rotateWebhookSecret(id: $id, overlapHours: 0) { secret webhook { id } } }", new { id = webhookId }))
            .GetProperty("rotateWebhookSecret");
        Assert.NotEqual(created.Str("secret"), rotated.Str("secret"));

        await using var failures = await WsClient.ConnectAndInitAsync(shared.Server.WebSocketAddress(), GraphQLServer.ApiKey);
        await failures.SubscribeAsync("failed", "subscription($id: ID) { deliveryUpdated(webhookId: $id, status: [FAILED]) { id attempts status lastFailureCode } }", new { id = webhookId });

        var eventId = "evt_tour_" + Guid.NewGuid().ToString("N");
        const string publish = """
            mutation($input: PublishEventInput!) {
              publishEvent(input: $input) { created event { id type data metadata orderingKey apiVersion } deliveries { id status webhook { id } event { id } } }
            }
            """;
        var input = new { type = "tour.completed", data = new { amount = "1.50", count = 1, nested = new[] { 1, 2 } }, id = eventId, apiVersion = "2026-04-29", metadata = new { strategy = "momentum-v2" }, orderingKey = "market-42" };
        var published = (await RunAsync(client, "publishEvent", publish, new { input })).GetProperty("publishEvent");
        Assert.True(published.GetProperty("created").GetBoolean());
        Assert.Equal("1.50", published.GetProperty("event").GetProperty("data").Str("amount"));
        Assert.Equal("momentum-v2", published.GetProperty("event").GetProperty("metadata").Str("strategy"));
        // Webhooks of other tests that take every event get deliveries too; this test follows its own.
        string DeliveryTo(JsonElement payload) =>
            Assert.Single(payload.GetProperty("deliveries").EnumerateArray(), d => d.GetProperty("webhook").Str("id") == webhookId).Str("id");
        var deliveryId = DeliveryTo(published);

        var again = (await client.QueryAsync(publish, new { input })).GetProperty("publishEvent");
        Assert.False(again.GetProperty("created").GetBoolean());
        Assert.Equal(deliveryId, DeliveryTo(again));

        var failed = await failures.NextMatchingAsync("failed", d => d.Str("id") == deliveryId);
        Assert.Equal("CONNECTION_FAILED", failed.Str("lastFailureCode"));

        var ev = (await RunAsync(client, "event", "query($id: ID!) { event(id: $id) { id type orderingKey deliveries { id status } } }", new { id = eventId })).GetProperty("event");
        Assert.Equal("market-42", ev.Str("orderingKey"));
        Assert.Equal("FAILED", Assert.Single(ev.GetProperty("deliveries").EnumerateArray(), d => d.Str("id") == deliveryId).Str("status"));

        var delivery = (await RunAsync(client, "delivery", """
            query($id: ID!) {
              delivery(id: $id) { id status attempts lastFailureCode terminalFailureAt webhook { id } event { id }
                                  attemptLog { number failureCode startedAt } history { streamId version type occurredAt hash data } }
            }
            """, new { id = deliveryId })).GetProperty("delivery");
        Assert.Equal(webhookId, delivery.GetProperty("webhook").Str("id"));
        Assert.Equal(eventId, delivery.GetProperty("event").Str("id"));
        Assert.Equal("CONNECTION_FAILED", Assert.Single(delivery.GetProperty("attemptLog").EnumerateArray()).Str("failureCode"));
        var history = delivery.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(["delivery.enqueued.v1", "delivery.attempt-failed.v1", "delivery.failed.v1"], history.Select(h => h.Str("type")));
        Assert.All(history, h => Assert.Equal($"delivery-{webhookId}~market-42", h.Str("streamId")));

        var page = (await RunAsync(client, "deliveries", """
            query($id: ID!) { deliveries(filter: { webhookId: $id, status: [FAILED], eventType: "tour.completed" }, first: 10) { edges { node { id } } pageInfo { hasNextPage } } }
            """, new { id = webhookId })).GetProperty("deliveries");
        Assert.Equal(deliveryId, Assert.Single(page.GetProperty("edges").EnumerateArray()).GetProperty("node").Str("id"));

        var lane = (await RunAsync(client, "stream", "query($id: String!) { stream(id: $id, fromVersion: 1, first: 5) { version type } }", new { id = $"delivery-{webhookId}~market-42" }))
            .GetProperty("stream");
        Assert.Equal(1, lane[0].GetProperty("version").GetInt32());

        var stats = (await RunAsync(client, "stats", "query($id: ID) { stats(webhookId: $id) { total delivered failed pending successRate } }", new { id = webhookId })).GetProperty("stats");
        Assert.Equal(1, stats.GetProperty("failed").GetInt32());
        Assert.Equal(0.0, stats.GetProperty("successRate").GetDouble());

        var redelivered = (await RunAsync(client, "redeliver", "mutation($id: ID!) { redeliver(deliveryId: $id) { id status } }", new { id = deliveryId })).GetProperty("redeliver");
        Assert.Equal(deliveryId, redelivered.Str("id"));
        await failures.NextMatchingAsync("failed", d => d.Str("id") == deliveryId && d.GetProperty("attempts").GetInt32() >= 2);

        var redeliveredEvent = (await RunAsync(client, "redeliverEvent", "mutation($id: ID!) { redeliverEvent(eventId: $id) { id } }", new { id = eventId })).GetProperty("redeliverEvent");
        Assert.Contains(redeliveredEvent.EnumerateArray(), d => d.Str("id") == deliveryId);
        await failures.NextMatchingAsync("failed", d => d.Str("id") == deliveryId && d.GetProperty("attempts").GetInt32() >= 3);

        var test = (await RunAsync(client, "sendTestEvent", "mutation($id: ID!) { sendTestEvent(webhookId: $id) { id type event { type data } } }", new { id = webhookId })).GetProperty("sendTestEvent");
        Assert.Equal("test", test.Str("type"));
        Assert.True(test.GetProperty("event").GetProperty("data").GetProperty("test").GetBoolean());
        await failures.NextMatchingAsync("failed", d => d.Str("id") == test.Str("id"));

        var replayed = (await RunAsync(client, "replayFailed", "mutation($id: ID!) { replayFailed(webhookId: $id, since: \"2000-01-01T00:00:00Z\") }", new { id = webhookId }))
            .GetProperty("replayFailed").GetInt32();
        Assert.InRange(replayed, 1, 2);

        var reset = (await RunAsync(client, "resetCircuitBreaker", "mutation($id: ID!) { resetCircuitBreaker(webhookId: $id) { id circuitState } }", new { id = webhookId }))
            .GetProperty("resetCircuitBreaker");
        Assert.Equal("CLOSED", reset.Str("circuitState"));

        var caller = (await RunAsync(client, "caller", "{ caller { portalTokenId webhookIds capabilities expiresAt } }")).GetProperty("caller");
        Assert.Equal(JsonValueKind.Null, caller.GetProperty("portalTokenId").ValueKind);
        Assert.Equal(["READ", "REPLAY", "MANAGE"], caller.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));

        var portalToken = (await RunAsync(client, "createPortalToken", """
            mutation($id: ID!) { createPortalToken(input: { webhookIds: [$id], capabilities: [READ, REPLAY] }) { id token url expiresAt webhookIds capabilities } }
            """, new { id = webhookId })).GetProperty("createPortalToken");
        Assert.StartsWith("pt_", portalToken.Str("id"));
        Assert.Equal("/inspector?token=" + portalToken.Str("token"), portalToken.Str("url"));
        Assert.Equal(["READ", "REPLAY"], portalToken.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.True((await RunAsync(client, "revokePortalToken", "mutation($id: ID!) { revokePortalToken(id: $id) }", new { id = portalToken.Str("id") }))
            .GetProperty("revokePortalToken").GetBoolean());
        var audit = (await RunAsync(client, "auditLog", "query($actor: String) { auditLog(actor: $actor, first: 2) { edges { cursor node { occurredAt actor ip action subject } } pageInfo { hasNextPage endCursor } } }",
            new { actor = (string?)null })).GetProperty("auditLog");
        var revokedEntry = audit.GetProperty("edges")[0].GetProperty("node");
        Assert.Equal(("portal-token.revoked", portalToken.Str("id")), (revokedEntry.Str("action"), revokedEntry.Str("subject")));
        Assert.StartsWith("ak_", revokedEntry.Str("actor"), StringComparison.Ordinal);
        Assert.True(audit.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());

        var series = (await RunAsync(client, "statsSeries", "query($id: ID, $since: DateTime!) { statsSeries(webhookId: $id, granularity: HOUR, since: $since) { start deliveriesCreated } }",
            new { id = webhookId, since = DateTimeOffset.UtcNow.AddDays(-2) }))
            .GetProperty("statsSeries");
        Assert.True(series.EnumerateArray().Sum(b => b.GetProperty("deliveriesCreated").GetInt64()) >= 1);
        var job = (await RunAsync(client, "startReplay", "mutation($id: ID!) { startReplay(input: { webhookId: $id, since: \"2000-01-01T00:00:00Z\" }) { id total startedBy } }", new { id = webhookId }))
            .GetProperty("startReplay");
        Assert.StartsWith("ak_", job.Str("startedBy"), StringComparison.Ordinal);
        Assert.Equal(job.Str("id"), (await RunAsync(client, "replayJob", "query($id: ID!) { replayJob(id: $id) { id } }", new { id = job.Str("id") })).GetProperty("replayJob").Str("id"));
        Assert.Contains((await RunAsync(client, "replayJobs", "{ replayJobs { id } }")).GetProperty("replayJobs").EnumerateArray(), j => j.Str("id") == job.Str("id"));
        Assert.NotEqual("running", (await RunAsync(client, "cancelReplay", "mutation($id: ID!) { cancelReplay(id: $id) { status } }", new { id = job.Str("id") }))
            .GetProperty("cancelReplay").Str("status")?.ToLowerInvariant());

        using var anonymous = new HttpClient { BaseAddress = shared.Server.BaseAddress };
        async Task<string> DownloadAsync(JsonElement download)
        {
            Assert.True(download.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
            using var response = await anonymous.GetAsync(new Uri(download.Str("url"), UriKind.Relative));
            Assert.Equal(200, (int)response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }
        var ledgerExport = await DownloadAsync((await RunAsync(client, "exportLedger", "mutation { exportLedger(input: { streams: \"webhook-\" }) { url expiresAt kind format } }"))
            .GetProperty("exportLedger"));
        Assert.Contains($"\"webhook-{webhookId}\"", ledgerExport, StringComparison.Ordinal);
        var deliveriesExport = CsvText.Read(await DownloadAsync((await RunAsync(client, "exportDeliveries",
            "mutation($id: ID!) { exportDeliveries(input: { webhookId: $id, format: CSV }) { url expiresAt } }", new { id = webhookId })).GetProperty("exportDeliveries")));
        Assert.Contains(deliveriesExport, r => r["deliveryId"] == deliveryId && r["orderingKey"] == "market-42");
        var attemptsExport = CsvText.Read(await DownloadAsync((await RunAsync(client, "exportAttempts",
            "mutation($id: ID!) { exportAttempts(input: { webhookId: $id }) { url expiresAt } }", new { id = webhookId })).GetProperty("exportAttempts")));
        Assert.True(attemptsExport.Count(r => r["deliveryId"] == deliveryId) >= 3);

        Assert.True((await RunAsync(client, "deleteWebhook", "mutation($id: ID!) { deleteWebhook(id: $id) }", new { id = webhookId })).GetProperty("deleteWebhook").GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await client.QueryAsync("query($id: ID!) { webhook(id: $id) { id } }", new { id = webhookId })).GetProperty("webhook").ValueKind);

        var contract = Parser.Parse(await File.ReadAllTextAsync(Repository.SchemaPath));
        var roots = contract.Definitions.OfType<GraphQLObjectTypeDefinition>()
            .Where(t => t.Name.StringValue is "Query" or "Mutation")
            .SelectMany(t => t.Fields!.Items.Select(f => f.Name.StringValue))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(roots.Except(_covered));
    }

    [Fact]
    public async Task Another_tenants_ids_answer_as_unknown_and_refusals_carry_the_contracts_code_and_field()
    {
        using var owner = shared.Server.Client();
        using var stranger = shared.Server.Client(GraphQLServer.OtherTenantKey);
        var webhookId = (await owner.QueryAsync("mutation($url: String!) { createWebhook(input: { url: $url, retrySchedule: [] }) { webhook { id } } }", new { url = Receivers.Refusing() }))
            .GetProperty("createWebhook").GetProperty("webhook").Str("id");

        Assert.Equal(JsonValueKind.Null, (await stranger.QueryAsync("query($id: ID!) { webhook(id: $id) { id } }", new { id = webhookId })).GetProperty("webhook").ValueKind);
        await stranger.ErrorAsync("query($id: String!) { stream(id: $id) { type } }", "NOT_FOUND", new { id = "tenant-default" });
        await stranger.ErrorAsync("query($id: String!) { stream(id: $id) { type } }", "NOT_FOUND", new { id = "webhook-" + webhookId });
        await stranger.ErrorAsync("mutation($id: ID!) { updateWebhook(id: $id, input: { description: \"mine\" }) { id } }", "NOT_FOUND", new { id = webhookId });
        await stranger.ErrorAsync("query($id: ID) { stats(webhookId: $id) { total } }", "NOT_FOUND", new { id = webhookId });
        Assert.DoesNotContain(
            (await stranger.QueryAsync("{ webhooks { edges { node { id } } } }")).GetProperty("webhooks").GetProperty("edges").EnumerateArray(),
            e => e.GetProperty("node").Str("id") == webhookId);

        var invalid = await owner.ErrorAsync("mutation { createWebhook(input: { url: \"ftp://example.com\" }) { webhook { id } } }", "VALIDATION_FAILED");
        Assert.Equal("url", invalid.GetProperty("extensions").Str("field"));
        Assert.Equal(["createWebhook"], invalid.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        var metadata = await owner.ErrorAsync("mutation { publishEvent(input: { type: \"a.b\", data: {}, metadata: { n: 1 } }) { event { id } } }", "VALIDATION_FAILED");
        Assert.Equal("metadata", metadata.GetProperty("extensions").Str("field"));
        await owner.ErrorAsync("{ deliveries(after: \"not-a-cursor\") { edges { cursor } } }", "VALIDATION_FAILED");
    }

    private async Task<JsonElement> RunAsync(HttpClient client, string root, string query, object? variables = null)
    {
        _covered.Add(root);
        return await client.QueryAsync(query, variables);
    }
}
