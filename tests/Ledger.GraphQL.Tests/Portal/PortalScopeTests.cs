using System.Text.Json;
using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests.Portal;

/// <summary>
/// A portal token sees and does exactly what its webhook list and capabilities allow, through every root field of the
/// served schema, over HTTP and WebSocket: each root field has its expectation below, and a field with none fails.
/// </summary>
public sealed class PortalScopeTests(PortalFixture portal) : IClassFixture<PortalFixture>, IAsyncLifetime
{
    private IssuedToken _readA = null!;
    private IssuedToken _replayA = null!;
    private IssuedToken _manageA = null!;
    private IssuedToken _readAll = null!;
    private IssuedToken _manageAll = null!;
    private Task? _replayJobs;

    private string A => portal.A;

    private string B => portal.B;

    public async Task InitializeAsync()
    {
        _readA = await portal.CreateTokenAsync([A], "read");
        _replayA = await portal.CreateTokenAsync([A], "replay");
        _manageA = await portal.CreateTokenAsync([A], "manage");
        _readAll = await portal.CreateTokenAsync(null, "read");
        _manageAll = await portal.CreateTokenAsync(null, "manage");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Every_root_field_of_the_served_schema_keeps_a_portal_token_within_its_webhooks_and_capabilities()
    {
        var expectations = Expectations();
        using var client = portal.Operator();
        var schema = (await client.QueryAsync(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }")).GetProperty("__schema");
        var roots = new[] { "queryType", "mutationType", "subscriptionType" }
            .SelectMany(kind => schema.GetProperty(kind).GetProperty("fields").EnumerateArray().Select(f => $"{kind[..^4]}.{f.Str("name")}"))
            .ToList();

        var unlisted = roots.Where(root => !expectations.ContainsKey(root)).ToList();
        Assert.True(unlisted.Count == 0, "root fields with no portal-token scope expectation (add one to PortalScopeTests.Expectations): " + string.Join(", ", unlisted));
        foreach (var root in roots)
        {
            try
            {
                await expectations[root]();
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"{root}: {ex.Message}", ex);
            }
        }
    }

    private Dictionary<string, Func<Task>> Expectations() => new(StringComparer.Ordinal)
    {
        ["query.webhooks"] = async () =>
        {
            const string query = "{ webhooks { totalCount edges { node { id } } } }";
            var limited = (await QueryAsync(_readA, query)).GetProperty("webhooks");
            Assert.Equal([A], Ids(limited.GetProperty("edges"), e => e.GetProperty("node")));
            Assert.Equal(1, limited.GetProperty("totalCount").GetInt32());
            var whole = Ids((await QueryAsync(_readAll, query)).GetProperty("webhooks").GetProperty("edges"), e => e.GetProperty("node"));
            Assert.Contains(A, whole);
            Assert.Contains(B, whole);
            Assert.DoesNotContain(portal.StrangerWebhook, whole);
        },
        ["query.webhook"] = async () =>
        {
            const string query = "query($id: ID!) { webhook(id: $id) { id } }";
            Assert.Equal(A, (await QueryAsync(_readA, query, new { id = A })).GetProperty("webhook").Str("id"));
            Assert.Equal(JsonValueKind.Null, (await QueryAsync(_readA, query, new { id = B })).GetProperty("webhook").ValueKind);
            Assert.Equal(B, (await QueryAsync(_readAll, query, new { id = B })).GetProperty("webhook").Str("id"));
        },
        ["query.event"] = async () =>
        {
            const string query = "query($id: ID!) { event(id: $id) { id deliveries { id webhook { id } } } }";
            var shared = (await QueryAsync(_readA, query, new { id = portal.SharedEvent })).GetProperty("event");
            Assert.Equal([portal.DeliveryA], Ids(shared.GetProperty("deliveries")));
            Assert.Equal(JsonValueKind.Null, (await QueryAsync(_readA, query, new { id = portal.BOnlyEvent })).GetProperty("event").ValueKind);
            var whole = (await QueryAsync(_readAll, query, new { id = portal.SharedEvent })).GetProperty("event");
            Assert.Equal(2, whole.GetProperty("deliveries").GetArrayLength());
            Assert.Equal(portal.BOnlyEvent, (await QueryAsync(_readAll, query, new { id = portal.BOnlyEvent })).GetProperty("event").Str("id"));
        },
        ["query.delivery"] = async () =>
        {
            const string query = "query($id: ID!) { delivery(id: $id) { id webhook { id } event { id deliveries { id } } attemptLog { number } } }";
            var mine = (await QueryAsync(_readA, query, new { id = portal.DeliveryA })).GetProperty("delivery");
            Assert.Equal(A, mine.GetProperty("webhook").Str("id"));
            Assert.Equal([portal.DeliveryA], Ids(mine.GetProperty("event").GetProperty("deliveries")));
            Assert.Equal(JsonValueKind.Null, (await QueryAsync(_readA, query, new { id = portal.DeliveryB })).GetProperty("delivery").ValueKind);
        },
        ["query.deliveries"] = async () =>
        {
            const string query = "query($filter: DeliveryFilter) { deliveries(filter: $filter, first: 100) { edges { node { id webhook { id } } } } }";
            var all = (await QueryAsync(_readA, query, new { filter = (object?)null })).GetProperty("deliveries").GetProperty("edges");
            Assert.NotEmpty(all.EnumerateArray());
            Assert.All(all.EnumerateArray(), e => Assert.Equal(A, e.GetProperty("node").GetProperty("webhook").Str("id")));
            Assert.Empty((await QueryAsync(_readA, query, new { filter = new { webhookId = B } })).GetProperty("deliveries").GetProperty("edges").EnumerateArray());
            var viaWebhook = (await QueryAsync(_readAll, "query($id: ID!) { webhook(id: $id) { deliveries { edges { node { id } } } } }", new { id = B }))
                .GetProperty("webhook").GetProperty("deliveries").GetProperty("edges");
            Assert.Contains(viaWebhook.EnumerateArray(), e => e.GetProperty("node").Str("id") == portal.DeliveryB);
        },
        ["query.stream"] = async () =>
        {
            const string query = "query($id: String!) { stream(id: $id) { streamId type } }";
            Assert.NotEmpty((await QueryAsync(_readA, query, new { id = $"delivery-{A}" })).GetProperty("stream").EnumerateArray());
            await QueryAsync(_readA, query, new { id = $"webhook-{A}" });
            foreach (var hidden in new[] { $"delivery-{B}", $"webhook-{B}", "tenant-portal", "apikeys", $"delivery-{portal.StrangerWebhook}" })
            {
                await ErrorAsync(_readA, query, "NOT_FOUND", new { id = hidden });
            }
            using var operatorClient = portal.Operator();
            var operatorView = (await operatorClient.QueryAsync(query, new { id = "tenant-portal" })).GetProperty("stream");
            Assert.Contains(operatorView.EnumerateArray(), e => e.Str("type") == "portal-token.created.v1");
            var tokenView = (await QueryAsync(_readAll, query, new { id = "tenant-portal" })).GetProperty("stream");
            Assert.Contains(tokenView.EnumerateArray(), e => e.Str("type") == "event.published.v1");
            Assert.DoesNotContain(tokenView.EnumerateArray(), e => e.Str("type").StartsWith("portal-token.", StringComparison.Ordinal));
        },
        ["query.stats"] = async () =>
        {
            const string query = "query($id: ID) { stats(webhookId: $id) { total failed } }";
            var mine = (await QueryAsync(_readA, query, new { id = (string?)null })).GetProperty("stats");
            var ofA = (await QueryAsync(_readAll, query, new { id = A })).GetProperty("stats");
            var whole = (await QueryAsync(_readAll, query, new { id = (string?)null })).GetProperty("stats");
            Assert.Equal(ofA.GetProperty("total").GetInt32(), mine.GetProperty("total").GetInt32());
            Assert.True(whole.GetProperty("total").GetInt32() > mine.GetProperty("total").GetInt32());
            await ErrorAsync(_readA, query, "NOT_FOUND", new { id = B });
            var nested = (await QueryAsync(_readA, "query($id: ID!) { webhook(id: $id) { stats { total } } }", new { id = A })).GetProperty("webhook").GetProperty("stats");
            Assert.Equal(ofA.GetProperty("total").GetInt32(), nested.GetProperty("total").GetInt32());
        },
        ["query.caller"] = async () =>
        {
            const string query = "{ caller { portalTokenId webhookIds capabilities expiresAt } }";
            var limited = (await QueryAsync(_replayA, query)).GetProperty("caller");
            Assert.Equal(_replayA.Id, limited.Str("portalTokenId"));
            Assert.Equal([A], limited.GetProperty("webhookIds").EnumerateArray().Select(id => id.GetString()));
            Assert.Equal(["READ", "REPLAY"], limited.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(_replayA.Body.Str("expiresAt")[..19], limited.Str("expiresAt")[..19]);
            using var operatorClient = portal.Operator();
            var operatorCaller = (await operatorClient.QueryAsync(query)).GetProperty("caller");
            Assert.Equal(JsonValueKind.Null, operatorCaller.GetProperty("portalTokenId").ValueKind);
            Assert.Equal(JsonValueKind.Null, operatorCaller.GetProperty("webhookIds").ValueKind);
            Assert.Equal(3, operatorCaller.GetProperty("capabilities").GetArrayLength());
        },
        ["mutation.publishEvent"] = async () =>
        {
            const string query = "mutation { publishEvent(input: { type: \"a.forged\", data: {} }) { event { id } } }";
            await ErrorAsync(_manageAll, query, "FORBIDDEN");
            await ErrorAsync(_manageA, query, "FORBIDDEN");
        },
        ["mutation.createWebhook"] = async () =>
        {
            const string query = "mutation($url: String!) { createWebhook(input: { url: $url, events: [\"none.*\"] }) { webhook { id } secret } }";
            var url = new { url = Receivers.Refusing() };
            await ErrorAsync(_manageA, query, "FORBIDDEN", url);
            await ErrorAsync(_readAll, query, "FORBIDDEN", url);
            var created = (await QueryAsync(_manageAll, query, url)).GetProperty("createWebhook");
            Assert.StartsWith("whsec_", created.Str("secret"));
            using var operatorClient = portal.Operator();
            await operatorClient.QueryAsync("mutation($id: ID!) { deleteWebhook(id: $id) }", new { id = created.GetProperty("webhook").Str("id") });
        },
        ["mutation.updateWebhook"] = async () =>
        {
            const string query = "mutation($id: ID!, $active: Boolean) { updateWebhook(id: $id, input: { description: \"portal\", active: $active }) { id active description } }";
            await ErrorAsync(_readA, query, "FORBIDDEN", new { id = A, active = true });
            await ErrorAsync(_replayA, query, "FORBIDDEN", new { id = A, active = true });
            await ErrorAsync(_manageA, query, "NOT_FOUND", new { id = B, active = true });
            Assert.False((await QueryAsync(_manageA, query, new { id = A, active = false })).GetProperty("updateWebhook").GetProperty("active").GetBoolean());
            Assert.True((await QueryAsync(_manageA, query, new { id = A, active = true })).GetProperty("updateWebhook").GetProperty("active").GetBoolean());
        },
        ["mutation.deleteWebhook"] = async () =>
        {
            const string query = "mutation($id: ID!) { deleteWebhook(id: $id) }";
            await ErrorAsync(_manageA, query, "FORBIDDEN", new { id = A });
            await ErrorAsync(_manageAll, query, "FORBIDDEN", new { id = A });
            await ErrorAsync(_manageA, query, "NOT_FOUND", new { id = B });
            await QueryAsync(_readA, "query($id: ID!) { webhook(id: $id) { id } }", new { id = A });
        },
        ["mutation.rotateWebhookSecret"] = async () =>
        {
            const string query = "mutation($id: ID!) { rotateWebhookSecret(id: $id, overlapHours: 1) { secret webhook { id } } }";
            await ErrorAsync(_readA, query, "FORBIDDEN", new { id = A });
            await ErrorAsync(_manageA, query, "NOT_FOUND", new { id = B });
            Assert.StartsWith("whsec_", (await QueryAsync(_manageA, query, new { id = A })).GetProperty("rotateWebhookSecret").Str("secret"));
        },
        ["mutation.sendTestEvent"] = async () =>
        {
            const string query = "mutation($id: ID!) { sendTestEvent(webhookId: $id) { id webhook { id } } }";
            await ErrorAsync(_replayA, query, "FORBIDDEN", new { id = A });
            await ErrorAsync(_manageA, query, "NOT_FOUND", new { id = B });
            Assert.Equal(A, (await QueryAsync(_manageA, query, new { id = A })).GetProperty("sendTestEvent").GetProperty("webhook").Str("id"));
        },
        ["mutation.redeliver"] = async () =>
        {
            const string query = "mutation($id: ID!) { redeliver(deliveryId: $id) { id } }";
            await ErrorAsync(_readA, query, "FORBIDDEN", new { id = portal.DeliveryA });
            await ErrorAsync(_manageA, query, "FORBIDDEN", new { id = portal.DeliveryA });
            await ErrorAsync(_replayA, query, "NOT_FOUND", new { id = portal.DeliveryB });
            Assert.Equal(portal.DeliveryA, (await QueryAsync(_replayA, query, new { id = portal.DeliveryA })).GetProperty("redeliver").Str("id"));
        },
        ["mutation.redeliverEvent"] = async () =>
        {
            const string query = "mutation($id: ID!) { redeliverEvent(eventId: $id) { id webhook { id } } }";
            await ErrorAsync(_readA, query, "FORBIDDEN", new { id = portal.SharedEvent });
            await ErrorAsync(_replayA, query, "NOT_FOUND", new { id = portal.BOnlyEvent });
            var redelivered = (await QueryAsync(_replayA, query, new { id = portal.SharedEvent })).GetProperty("redeliverEvent");
            Assert.All(redelivered.EnumerateArray(), d => Assert.Equal(A, d.GetProperty("webhook").Str("id")));
        },
        ["mutation.replayFailed"] = async () =>
        {
            const string query = "mutation($id: ID!) { replayFailed(webhookId: $id, since: \"2000-01-01T00:00:00Z\") }";
            await ErrorAsync(_readA, query, "FORBIDDEN", new { id = A });
            await ErrorAsync(_manageA, query, "FORBIDDEN", new { id = A });
            await ErrorAsync(_replayA, query, "NOT_FOUND", new { id = B });
            Assert.True((await QueryAsync(_replayA, query, new { id = A })).GetProperty("replayFailed").GetInt32() >= 0);
        },
        ["mutation.resetCircuitBreaker"] = async () =>
        {
            const string query = "mutation($id: ID!) { resetCircuitBreaker(webhookId: $id) { id } }";
            await ErrorAsync(_replayA, query, "FORBIDDEN", new { id = A });
            await ErrorAsync(_manageA, query, "NOT_FOUND", new { id = B });
            Assert.Equal(A, (await QueryAsync(_manageA, query, new { id = A })).GetProperty("resetCircuitBreaker").Str("id"));
        },
        ["query.auditLog"] = async () =>
        {
            const string query = "{ auditLog { edges { node { actor ip action } } } }";
            await ErrorAsync(_manageAll, query, "FORBIDDEN");
            await ErrorAsync(_readA, query, "FORBIDDEN");
            using var operatorClient = portal.Operator();
            Assert.NotEmpty((await operatorClient.QueryAsync(query)).GetProperty("auditLog").GetProperty("edges").EnumerateArray());
        },
        ["mutation.createPortalToken"] = async () =>
        {
            const string query = "mutation($ids: [ID!]) { createPortalToken(input: { webhookIds: $ids, capabilities: [READ] }) { id token } }";
            await ErrorAsync(_manageAll, query, "FORBIDDEN", new { ids = (string[]?)null });
            await ErrorAsync(_manageA, query, "FORBIDDEN", new { ids = new[] { A } });
        },
        ["mutation.revokePortalToken"] = async () =>
        {
            const string query = "mutation($id: ID!) { revokePortalToken(id: $id) }";
            await ErrorAsync(_manageAll, query, "FORBIDDEN", new { id = _readA.Id });
            await ErrorAsync(_manageAll, query, "FORBIDDEN", new { id = _manageAll.Id });
            await QueryAsync(_readA, "{ webhooks { totalCount } }");
        },
        ["mutation.exportLedger"] = async () =>
        {
            const string query = "mutation { exportLedger { url } }";
            await ErrorAsync(_readAll, query, "FORBIDDEN");
            await ErrorAsync(_manageA, query, "FORBIDDEN");
            using var operatorClient = portal.Operator();
            var ledger = await DownloadAsync((await operatorClient.QueryAsync(query)).GetProperty("exportLedger").Str("url"));
            Assert.Contains("\"manifest\"", ledger, StringComparison.Ordinal);
        },
        ["mutation.exportDeliveries"] = async () =>
        {
            const string query = "mutation($id: ID) { exportDeliveries(input: { webhookId: $id }) { url kind } }";
            var mine = CsvText.Read(await DownloadAsync((await QueryAsync(_readA, query, new { id = (string?)null })).GetProperty("exportDeliveries").Str("url")));
            Assert.Contains(mine, r => r["deliveryId"] == portal.DeliveryA);
            Assert.All(mine, r => Assert.Equal(A, r["webhookId"]));
            await ErrorAsync(_readA, query, "NOT_FOUND", new { id = B });
            var whole = CsvText.Read(await DownloadAsync((await QueryAsync(_readAll, query, new { id = (string?)null })).GetProperty("exportDeliveries").Str("url")));
            Assert.Contains(whole, r => r["deliveryId"] == portal.DeliveryB);
            Assert.DoesNotContain(whole, r => r["webhookId"] == portal.StrangerWebhook);

            var revoked = await portal.CreateTokenAsync([A], "read");
            var url = (await QueryAsync(revoked, query, new { id = A })).GetProperty("exportDeliveries").Str("url");
            using (var operatorClient = portal.Operator())
            {
                Assert.Equal(204, (int)(await operatorClient.DeleteAsync(new Uri($"/v1/portal-tokens/{revoked.Id}", UriKind.Relative))).StatusCode);
            }
            using var anonymous = new HttpClient { BaseAddress = portal.Server.BaseAddress };
            Assert.Equal(404, (int)(await anonymous.GetAsync(new Uri(url, UriKind.Relative))).StatusCode);
        },
        ["mutation.exportAttempts"] = async () =>
        {
            const string query = "mutation { exportAttempts(input: { format: JSONL }) { url } }";
            var mine = (await DownloadAsync((await QueryAsync(_readA, query)).GetProperty("exportAttempts").Str("url")))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Contains(mine, r => r.Str("deliveryId") == portal.DeliveryA);
            Assert.All(mine, r => Assert.Equal(A, r.Str("webhookId")));
        },
        ["subscription.deliveryUpdated"] = SubscriptionsCarryOnlyTheScopesDataAsync,
        ["subscription.ledgerAppended"] = SubscriptionsCarryOnlyTheScopesDataAsync,
        ["subscription.circuitBreakerChanged"] = async () =>
        {
            await using var socket = await WsClient.ConnectAndInitAsync(portal.Server.WebSocketAddress(), _readA.Token);
            Assert.Equal("NOT_FOUND", await SubscriptionErrorAsync(socket, "b", "subscription($id: ID) { circuitBreakerChanged(webhookId: $id) { id } }", new { id = B }));
            await socket.SubscribeAsync("a", "subscription($id: ID) { circuitBreakerChanged(webhookId: $id) { id } }", new { id = A });
        },
        ["query.statsSeries"] = async () =>
        {
            const string query = "query($id: ID, $since: DateTime!) { statsSeries(webhookId: $id, granularity: HOUR, since: $since) { deliveriesCreated } }";
            var since = DateTimeOffset.UtcNow.AddDays(-2);
            static long Created(JsonElement series) => series.GetProperty("statsSeries").EnumerateArray().Sum(b => b.GetProperty("deliveriesCreated").GetInt64());
            var ofA = Created(await QueryAsync(_readAll, query, new { id = A, since }));
            var ofB = Created(await QueryAsync(_readAll, query, new { id = B, since }));
            Assert.True(ofA > 0 && ofB > 0);
            Assert.Equal(ofA, Created(await QueryAsync(_readA, query, new { id = (string?)null, since })));
            Assert.Equal(ofA, Created(await QueryAsync(_readA, query, new { id = A, since })));
            Assert.True(Created(await QueryAsync(_readAll, query, new { id = (string?)null, since })) >= ofA + ofB);
            await ErrorAsync(_readA, query, "NOT_FOUND", new { id = B, since });
            var nested = (await QueryAsync(_readA, "query($id: ID!, $since: DateTime!) { webhook(id: $id) { statsSeries(granularity: HOUR, since: $since) { deliveriesCreated } } }", new { id = A, since }))
                .GetProperty("webhook");
            Assert.Equal(ofA, Created(nested));
        },
        ["query.replayJob"] = ReplayJobsStayInScopeAsync,
        ["query.replayJobs"] = ReplayJobsStayInScopeAsync,
        ["mutation.startReplay"] = ReplayJobsStayInScopeAsync,
        ["mutation.cancelReplay"] = ReplayJobsStayInScopeAsync,
        ["subscription.replayJobProgress"] = ReplayJobsStayInScopeAsync,
    };

    /// <summary>
    /// Bulk replay jobs (all five root fields, checked once): starting or cancelling needs replay; a limited token's
    /// job is confined to its webhooks and records the token as its actor; it sees, cancels and follows only jobs
    /// confined to its webhooks.
    /// </summary>
    private Task ReplayJobsStayInScopeAsync() => _replayJobs ??= CheckReplayJobsAsync();

    private async Task CheckReplayJobsAsync()
    {
        const string start = "mutation($input: StartReplayInput!) { startReplay(input: $input) { id startedBy selection } }";
        const string since = "2020-01-01T00:00:00Z";
        await ErrorAsync(_readA, start, "FORBIDDEN", new { input = new { webhookId = A, since } });
        await ErrorAsync(_replayA, start, "NOT_FOUND", new { input = new { webhookId = B, since } });
        await ErrorAsync(_replayA, start, "NOT_FOUND", new { input = new { filter = new { webhookId = B } } });
        using var operatorClient = portal.Operator();
        var jobB = (await operatorClient.QueryAsync(start, new { input = new { webhookId = B, since } })).GetProperty("startReplay").Str("id");
        var jobAll = (await operatorClient.QueryAsync(start, new { input = new { filter = new { } } })).GetProperty("startReplay");
        Assert.StartsWith("ak_", jobAll.Str("startedBy"), StringComparison.Ordinal);
        var jobA = (await QueryAsync(_replayA, start, new { input = new { filter = new { } } })).GetProperty("startReplay");
        Assert.Equal(_replayA.Id, jobA.Str("startedBy"));
        Assert.Contains(A, jobA.Str("selection"));
        Assert.DoesNotContain(B, jobA.Str("selection"));

        const string list = "{ replayJobs { id } }";
        Assert.Equal([jobA.Str("id")], Ids((await QueryAsync(_readA, list)).GetProperty("replayJobs")));
        var everything = Ids((await operatorClient.QueryAsync(list)).GetProperty("replayJobs"));
        Assert.Contains(jobB, everything);
        Assert.Contains(jobAll.Str("id"), everything);
        const string one = "query($id: ID!) { replayJob(id: $id) { id } }";
        Assert.Equal(jobA.Str("id"), (await QueryAsync(_readA, one, new { id = jobA.Str("id") })).GetProperty("replayJob").Str("id"));
        Assert.Equal(JsonValueKind.Null, (await QueryAsync(_readA, one, new { id = jobB })).GetProperty("replayJob").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await QueryAsync(_readA, one, new { id = jobAll.Str("id") })).GetProperty("replayJob").ValueKind);
        Assert.Equal(jobB, (await QueryAsync(_readAll, one, new { id = jobB })).GetProperty("replayJob").Str("id"));

        await using (var socket = await WsClient.ConnectAndInitAsync(portal.Server.WebSocketAddress(), _readA.Token))
        {
            const string progress = "subscription($id: ID!) { replayJobProgress(id: $id) { id } }";
            Assert.Equal("NOT_FOUND", await SubscriptionErrorAsync(socket, "b", progress, new { id = jobB }));
            await socket.SendAsync(new { id = "a", type = "subscribe", payload = new { query = progress, variables = new { id = jobA.Str("id") } } });
            var first = await socket.ReceiveAsync();
            Assert.Equal(("next", jobA.Str("id")), (first.Str("type"), first.GetProperty("payload").GetProperty("data").GetProperty("replayJobProgress").Str("id")));
        }

        const string cancel = "mutation($id: ID!) { cancelReplay(id: $id) { id cancelledBy } }";
        await ErrorAsync(_readA, cancel, "FORBIDDEN", new { id = jobA.Str("id") });
        await ErrorAsync(_replayA, cancel, "NOT_FOUND", new { id = jobB });
        Assert.Equal(jobA.Str("id"), (await QueryAsync(_replayA, cancel, new { id = jobA.Str("id") })).GetProperty("cancelReplay").Str("id"));
        Assert.Equal(jobB, (await operatorClient.QueryAsync(cancel, new { id = jobB })).GetProperty("cancelReplay").Str("id"));
    }

    /// <summary>
    /// deliveryUpdated and ledgerAppended of a token limited to A, while B's deliveries change: once the operator has
    /// heard B's delivery fail, a later event to A is published; updates go out in commit order, so everything the
    /// token hears before that event is all it was going to hear of B — and it must be A's only.
    /// </summary>
    private async Task SubscriptionsCarryOnlyTheScopesDataAsync()
    {
        using var operatorClient = portal.Operator();
        await using var operatorSocket = await WsClient.ConnectAndInitAsync(portal.Server.WebSocketAddress(), PortalFixture.OperatorKey);
        await operatorSocket.SubscribeAsync("failed", "subscription($id: ID) { deliveryUpdated(webhookId: $id, status: [FAILED]) { id } }", new { id = B });
        await using var tokenSocket = await WsClient.ConnectAndInitAsync(portal.Server.WebSocketAddress(), _readA.Token);
        Assert.Equal("NOT_FOUND", await SubscriptionErrorAsync(tokenSocket, "other", "subscription($id: ID) { deliveryUpdated(webhookId: $id) { id } }", new { id = B }));
        await tokenSocket.SubscribeAsync("deliveries", "subscription { deliveryUpdated { id webhook { id } } }");
        await tokenSocket.SubscribeAsync("ledger", "subscription { ledgerAppended { streamId type data } }");

        var shared = await PortalFixture.PublishAsync(operatorClient, "shared.two");
        var toB = PortalFixture.DeliveryTo(shared, B);
        await PortalFixture.PublishAsync(operatorClient, "b.two");
        await operatorSocket.NextMatchingAsync("failed", d => d.Str("id") == toB);
        var marker = PortalFixture.DeliveryTo(await PortalFixture.PublishAsync(operatorClient, "a.marker"), A);

        var heard = new List<JsonElement>();
        bool deliveryMarker = false, ledgerMarker = false;
        while (!deliveryMarker || !ledgerMarker)
        {
            var message = await tokenSocket.ReceiveAsync();
            Assert.Equal("next", message.Str("type"));
            var value = message.GetProperty("payload").GetProperty("data").EnumerateObject().First().Value;
            heard.Add(value);
            if (message.Str("id") == "deliveries")
            {
                Assert.Equal(A, value.GetProperty("webhook").Str("id"));
                deliveryMarker |= value.Str("id") == marker;
            }
            else
            {
                var streamId = value.Str("streamId");
                Assert.True(streamId.StartsWith($"delivery-{A}", StringComparison.Ordinal) || streamId == $"webhook-{A}", $"a token limited to {A} heard of {streamId}");
                ledgerMarker |= value.GetProperty("data").TryGetProperty("deliveryId", out var id) && id.GetString() == marker;
            }
        }
        Assert.Contains(heard, h => h.TryGetProperty("streamId", out _));
    }

    private static async Task<string?> SubscriptionErrorAsync(WsClient socket, string id, string query, object variables)
    {
        await socket.SendAsync(new { id, type = "subscribe", payload = new { query, variables } });
        var message = await socket.ReceiveAsync();
        Assert.Equal(id, message.Str("id"));
        if (message.Str("type") == "error")
        {
            return message.GetProperty("payload")[0].GetProperty("extensions").Str("code");
        }
        Assert.Equal(("complete", id), ((await socket.ReceiveAsync()).Str("type"), id));
        return message.GetProperty("payload").GetProperty("errors")[0].GetProperty("extensions").Str("code");
    }

    /// <summary>A download URL followed as a browser would: no credential.</summary>
    private async Task<string> DownloadAsync(string url)
    {
        using var anonymous = new HttpClient { BaseAddress = portal.Server.BaseAddress };
        using var response = await anonymous.GetAsync(new Uri(url, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {text}");
        return text;
    }

    private async Task<JsonElement> QueryAsync(IssuedToken token, string query, object? variables = null)
    {
        using var client = portal.As(token);
        return await client.QueryAsync(query, variables);
    }

    private async Task ErrorAsync(IssuedToken token, string query, string code, object? variables = null)
    {
        using var client = portal.As(token);
        await client.ErrorAsync(query, code, variables);
    }

    private static List<string> Ids(JsonElement list, Func<JsonElement, JsonElement>? node = null) =>
        [.. list.EnumerateArray().Select(e => (node?.Invoke(e) ?? e).Str("id"))];
}
