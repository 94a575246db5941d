using System.Text;
using System.Text.Json;
using Ledger.Domain.Wire;
using Ledger.TestSupport;
using Microsoft.AspNetCore.Http;

namespace Ledger.GraphQL.Tests;

/// <summary>The Inspector's fields over HTTP and WebSocket, against a real server, a real loopback receiver and the npm graphql-ws client.</summary>
public sealed class InspectorQueryTests : IAsyncLifetime
{
    private const string Key = "insp_key_default_0123456789";

    private LedgerServer _server = null!;

    public async Task InitializeAsync() => _server = await LedgerServer.StartAsync(new Dictionary<string, string>
    {
        ["LEDGER_BOOTSTRAP_API_KEY"] = $"insp:{Key}",
        ["Ledger__Limits__WebhooksPerTenant"] = "50",
        ["Ledger__Replay__PerSecond"] = "2",
        // The replay test fails 20 deliveries on a refusing receiver; the breaker would pause them after 5.
        ["Ledger__Delivery__Breaker__FailureThreshold"] = "1000",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Answers 503 to the first request on <c>/retry-*</c> paths, 200 with a header of its own otherwise.</summary>
    private sealed class Answer(int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.Headers["X-Receiver"] = "seen-" + status;
            return httpContext.Response.WriteAsync("ok");
        }
    }

    [Fact]
    public async Task Requests_rendered_from_the_ledger_equal_the_bytes_the_receiver_got_for_every_profile_and_search_and_stats_find_them()
    {
        await using var receiver = await Receiver.StartAsync();
        var seen = 0;
        receiver.Handler = r => Task.FromResult<IResult>(new Answer(r.Path.StartsWith("/retry", StringComparison.Ordinal) && Interlocked.Increment(ref seen) == 1 ? 503 : 200));
        using var client = _server.Client(Key);
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var webhooks = new Dictionary<string, string>();
        foreach (var profile in WireProfiles.All.Select(p => p.Name).Append("kepler"))
        {
            var path = (profile == "standard" ? "/retry-" : "/") + profile;
            var id = (await client.QueryAsync(
                """
                mutation($url: String!, $profile: String!, $filters: WebhookFiltersInput) {
                  createWebhook(input: { url: $url, profile: $profile, events: ["insp.rendered"], retrySchedule: [0], filters: $filters }) { webhook { id } }
                }
                """, new { url = receiver.Url(path), profile, filters = profile == "kepler" ? new { address = "erd1qqq" } : null }))
                .GetProperty("createWebhook").GetProperty("webhook").Str("id");
            if (profile != "kepler")
            {
                await client.QueryAsync("mutation($id: ID!) { rotateWebhookSecret(id: $id, overlapHours: 1) { secret } }", new { id });
            }
            webhooks[path] = id;
        }
        await using var updates = await WsClient.ConnectAndInitAsync(_server.WebSocketAddress(), Key);
        await updates.SubscribeAsync("done", "subscription { deliveryUpdated(status: [DELIVERED]) { id webhook { id } } }");

        var published = (await client.QueryAsync(
            """
            mutation { publishEvent(input: { type: "insp.rendered", data: { order: { id: "o-1", lines: [1, 2] }, note: "é & <ok> +1", address: "erd1qqq", topics: ["dG9waWM="] }, orderingKey: "k-1" }) {
              event { id } deliveries { id webhook { id } } } }
            """)).GetProperty("publishEvent");
        var deliveries = published.GetProperty("deliveries").EnumerateArray().ToDictionary(d => d.GetProperty("webhook").Str("id"), d => d.Str("id"));
        var delivered = new HashSet<string>();
        while (delivered.Count < webhooks.Count)
        {
            delivered.Add((await updates.NextMatchingAsync("done", _ => true)).Str("id"));
        }

        foreach (var (path, webhookId) in webhooks)
        {
            var received = receiver.Requests.Where(r => r.Path == path).ToList();
            var attempts = (await client.QueryAsync(
                """
                query($id: ID!) { delivery(id: $id) { attemptLog { number statusCode
                  request { method url headers { name value } bodyBase64 exact urlChangedSince } responseHeaders { name value } } } }
                """, new { id = deliveries[webhookId] })).GetProperty("delivery").GetProperty("attemptLog").EnumerateArray().ToList();

            Assert.Equal(path == "/retry-standard" ? 2 : 1, received.Count);
            Assert.Equal(received.Count, attempts.Count);
            for (var i = 0; i < received.Count; i++)
            {
                var request = attempts[i].GetProperty("request");
                Assert.Equal(("POST", receiver.Url(path), true, false), (request.Str("method"), request.Str("url"), request.GetProperty("exact").GetBoolean(), request.GetProperty("urlChangedSince").GetBoolean()));
                Assert.Equal(received[i].Body, Convert.FromBase64String(request.Str("bodyBase64")));
                Assert.Equal(
                    received[i].HeaderLines.Select(h => $"{h.Key.ToLowerInvariant()}: {h.Value}").Order(StringComparer.Ordinal),
                    request.GetProperty("headers").EnumerateArray().Select(h => $"{h.Str("name").ToLowerInvariant()}: {h.Str("value")}").Order(StringComparer.Ordinal));
                var status = attempts[i].GetProperty("statusCode").GetInt32();
                Assert.Contains(attempts[i].GetProperty("responseHeaders").EnumerateArray(), h => h.Str("name") == "X-Receiver" && h.Str("value") == "seen-" + status);
            }
            if (path == "/kepler")
            {
                var signature = Assert.Single(received[0].HeaderLines, h => string.Equals(h.Key, "X-Signature", StringComparison.OrdinalIgnoreCase)).Value;
                Assert.Matches("^[0-9a-f]{128}$", signature);
            }
            Assert.DoesNotContain("whsec_", string.Join("\n", received.SelectMany(r => r.HeaderLines.Select(h => h.Value))), StringComparison.Ordinal);
        }

        var retried = deliveries[webhooks["/retry-standard"]];
        async Task<List<string>> FindAsync(object filter) =>
            [.. (await client.QueryAsync("query($f: DeliveryFilter) { deliveries(filter: $f, first: 50) { edges { node { id } } } }", new { f = filter }))
                .GetProperty("deliveries").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node").Str("id"))];
        Assert.Equal([retried], await FindAsync(new { minAttempts = 2 }));
        Assert.Equal(webhooks.Count, (await FindAsync(new { lastStatusClass = "STATUS_2XX", orderingKey = "k-1" })).Count);
        Assert.Empty(await FindAsync(new { lastStatusClass = "STATUS_5XX" }));
        Assert.Empty(await FindAsync(new { failureCode = "HTTP_STATUS" }));
        Assert.Contains(retried, await FindAsync(new { deliveryIdPrefix = retried[..^2] }));
        Assert.Equal([retried], await FindAsync(new { deliveryIdPrefix = retried }));
        Assert.Equal(webhooks.Count, (await FindAsync(new { eventIdPrefix = published.GetProperty("event").Str("id") })).Count);
        Assert.Equal(webhooks.Count, (await FindAsync(new { payload = new { path = "order.lines[1]", equals = 2 } })).Count);
        Assert.Empty(await FindAsync(new { payload = new { path = "$.order.id", equals = "o-2" } }));
        await client.ErrorAsync("{ deliveries(filter: { payload: { path: \"a..b\", equals: 1 } }) { edges { cursor } } }", "VALIDATION_FAILED");

        var series = (await client.QueryAsync(
            "query($id: ID, $since: DateTime!) { statsSeries(webhookId: $id, granularity: MINUTE, since: $since) { start attempts attemptsFailed delivered attemptsByStatusClass { status5xx status2xx } attemptsByFailureCode { code count } p95LatencyMs } }",
            new { id = webhooks["/retry-standard"], since })).GetProperty("statsSeries").EnumerateArray().ToList();
        Assert.Equal((2, 1, 1, 1, 1), (series.Sum(b => b.GetProperty("attempts").GetInt32()), series.Sum(b => b.GetProperty("attemptsFailed").GetInt32()),
            series.Sum(b => b.GetProperty("delivered").GetInt32()), series.Sum(b => b.GetProperty("attemptsByStatusClass").GetProperty("status5xx").GetInt32()),
            series.Sum(b => b.GetProperty("attemptsByStatusClass").GetProperty("status2xx").GetInt32())));
        Assert.Contains(series, b => b.GetProperty("attemptsByFailureCode").EnumerateArray().Any(c => c.Str("code") == "HTTP_STATUS"));
        var tenant = (await client.QueryAsync("query($since: DateTime!) { statsSeries(granularity: HOUR, since: $since) { attempts } }", new { since }))
            .GetProperty("statsSeries").EnumerateArray().Sum(b => b.GetProperty("attempts").GetInt32());
        Assert.Equal(receiver.Requests.Count, tenant);
        await client.ErrorAsync("query($since: DateTime!) { statsSeries(webhookId: \"wh_nope\", granularity: DAY, since: $since) { attempts } }", "NOT_FOUND", new { since });
        var longAgo = DateTimeOffset.UtcNow.AddDays(-8);
        await client.ErrorAsync("query($since: DateTime!, $until: DateTime!) { statsSeries(granularity: MINUTE, since: $since, until: $until) { attempts } }", "VALIDATION_FAILED", new { since = longAgo, until = longAgo.AddHours(1) });
        Assert.NotEmpty((await client.QueryAsync("query($since: DateTime!, $until: DateTime!) { statsSeries(granularity: HOUR, since: $since, until: $until) { attempts } }", new { since = longAgo, until = longAgo.AddHours(1) })).GetProperty("statsSeries").EnumerateArray());
    }
    /// <summary>
    /// A kepler attempt is signed again with the server's keys of its time: one sent before a signing-key rotation
    /// shows the old key's signature alone, one sent during the overlap both, each equal to what the receiver got.
    /// </summary>
    [Fact]
    public async Task Kepler_requests_are_signed_again_with_the_signing_keys_of_their_time_across_a_key_rotation()
    {
        await using var receiver = await Receiver.StartAsync();
        var webhookId = (await _server.Client(Key).QueryAsync(
            """
            mutation($url: String!) {
              createWebhook(input: { url: $url, profile: "kepler", events: ["insp.kepler"], filters: { identifier: "distribute" } }) { webhook { id } }
            }
            """, new { url = receiver.Url() })).GetProperty("createWebhook").GetProperty("webhook").Str("id");
        const string Publish = "mutation($data: JSON!) { publishEvent(input: { type: \"insp.kepler\", data: $data }) { event { id } } }";
        const string Delivered = "subscription($id: ID) { deliveryUpdated(webhookId: $id, status: [DELIVERED]) { id } }";
        await using (var updates = await WsClient.ConnectAndInitAsync(_server.WebSocketAddress(), Key))
        {
            // Killed only once the attempt is recorded: a kill between sending and recording would send it again.
            await updates.SubscribeAsync("done", Delivered, new { id = webhookId });
            await _server.Client(Key).QueryAsync(Publish, new { data = new { identifier = "distribute", data = "1" } });
            await updates.NextMatchingAsync("done", _ => true);
        }

        await _server.KillAsync();
        await _server.RunVerbAsync("signing-keys", "rotate", "--overlap-hours", "2");
        await _server.RestartAsync();
        using var client = _server.Client(Key);
        await using (var updates = await WsClient.ConnectAndInitAsync(_server.WebSocketAddress(), Key))
        {
            await updates.SubscribeAsync("done", Delivered, new { id = webhookId });
            await client.QueryAsync(Publish, new { data = new { identifier = "distribute", data = "2" } });
            await updates.NextMatchingAsync("done", _ => true);
        }
        var received = receiver.Requests.ToList();

        var deliveries = (await client.QueryAsync(
            """
            query($id: ID!) { deliveries(filter: { webhookId: $id }, first: 10) { edges { node {
              attemptLog { request { headers { name value } bodyBase64 exact } } } } } }
            """, new { id = webhookId })).GetProperty("deliveries").GetProperty("edges").EnumerateArray()
            .Select(e => Assert.Single(e.GetProperty("node").GetProperty("attemptLog").EnumerateArray()).GetProperty("request")).ToList();
        Assert.Equal(2, deliveries.Count);
        foreach (var sent in received)
        {
            var request = Assert.Single(deliveries, d => Convert.FromBase64String(d.Str("bodyBase64")).SequenceEqual(sent.Body));
            Assert.True(request.GetProperty("exact").GetBoolean());
            Assert.Equal(
                sent.HeaderLines.Select(h => $"{h.Key.ToLowerInvariant()}: {h.Value}").Order(StringComparer.Ordinal),
                request.GetProperty("headers").EnumerateArray().Select(h => $"{h.Str("name").ToLowerInvariant()}: {h.Str("value")}").Order(StringComparer.Ordinal));
        }
        bool Previous(ReceivedRequest r) => r.HeaderLines.Any(h => string.Equals(h.Key, "X-Signature-Previous", StringComparison.OrdinalIgnoreCase));
        Assert.Equal([false, true], received.Select(Previous));
    }

    [Fact]
    public async Task A_bulk_replay_reports_progress_to_graphql_ws_is_cancelled_midway_and_the_ledger_holds_exactly_the_redeliveries_it_reported()
    {
        using var client = _server.Client(Key);
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var webhookId = (await client.QueryAsync(
            "mutation($url: String!) { createWebhook(input: { url: $url, events: [\"insp.replay\"], retrySchedule: [] }) { webhook { id } } }",
            new { url = Receivers.Refusing() })).GetProperty("createWebhook").GetProperty("webhook").Str("id");
        await using var updates = await WsClient.ConnectAndInitAsync(_server.WebSocketAddress(), Key);
        await updates.SubscribeAsync("failed", "subscription($id: ID) { deliveryUpdated(webhookId: $id, status: [FAILED]) { id } }", new { id = webhookId });
        const int count = 20;
        for (var i = 0; i < count; i++)
        {
            await client.QueryAsync("mutation($data: JSON!) { publishEvent(input: { type: \"insp.replay\", data: $data }) { event { id } } }", new { data = new { n = i } });
        }
        var failed = new HashSet<string>();
        while (failed.Count < count)
        {
            failed.Add((await updates.NextMatchingAsync("failed", _ => true)).Str("id"));
        }

        var job = (await client.QueryAsync(
            "mutation($id: ID!, $since: DateTime!) { startReplay(input: { webhookId: $id, since: $since }) { id status total done startedBy selection } }",
            new { id = webhookId, since })).GetProperty("startReplay");
        var jobId = job.Str("id");
        Assert.Equal(("RUNNING", count), (job.Str("status"), job.GetProperty("total").GetInt32()));
        using var progress = NodeSubscriber.Start(new
        {
            url = _server.WebSocketAddress().ToString(),
            connectionParams = new { authorization = "Bearer " + Key },
            query = "subscription($id: ID!) { replayJobProgress(id: $id) { status total done failed } }",
            variables = new { id = jobId },
            count = 1000,
        });
        var wait = TimeSpan.FromSeconds(30);
        var seen = new List<JsonElement>();
        var before = new List<string>();
        JsonElement line;
        while (!(line = await progress.NextAsync(wait)).TryGetProperty("next", out _) || line.GetProperty("next").GetProperty("data").GetProperty("replayJobProgress").GetProperty("done").GetInt32() < 3)
        {
            before.Add(line.ToString());
            Assert.False(line.TryGetProperty("complete", out _), "the job ended before it could be cancelled: " + string.Join("\n", before));
        }
        before.Add(line.ToString());
        var cancelled = (await client.QueryAsync("mutation($id: ID!) { cancelReplay(id: $id) { status total done failed cancelledBy endedAt } }", new { id = jobId }))
            .GetProperty("cancelReplay");
        while (!(line = await progress.NextAsync(wait)).TryGetProperty("complete", out _))
        {
            if (!line.TryGetProperty("ready", out _))
            {
                Assert.True(line.TryGetProperty("next", out var next), $"the graphql-ws client printed {line}");
                seen.Add(next.GetProperty("data").GetProperty("replayJobProgress"));
            }
        }

        var done = cancelled.GetProperty("done").GetInt32();
        Assert.True(cancelled.Str("status") == "CANCELLED", string.Join("\n", before));
        Assert.InRange(done, 3, count - 1);
        Assert.Equal(0, cancelled.GetProperty("failed").GetInt32());
        Assert.Equal(("CANCELLED", done), (seen[^1].Str("status"), seen[^1].GetProperty("done").GetInt32()));
        var redeliveries = 0;
        foreach (var deliveryId in failed)
        {
            var history = (await client.QueryAsync("query($id: ID!) { delivery(id: $id) { history { type data } } }", new { id = deliveryId }))
                .GetProperty("delivery").GetProperty("history").EnumerateArray();
            redeliveries += history.Count(e => e.Str("type") == "delivery.redelivery-requested.v1"
                && e.GetProperty("data").TryGetProperty("replayJobId", out var named) && named.GetString() == jobId);
        }
        Assert.Equal(done, redeliveries);
        var jobEvents = (await client.QueryAsync("{ stream(id: \"tenant-insp\", first: 1000) { type data } }")).GetProperty("stream").EnumerateArray()
            .Where(e => e.GetProperty("data").TryGetProperty("jobId", out var id) && id.GetString() == jobId).ToList();
        Assert.Equal(["replay.started.v1", "replay.selected.v1", "replay.cancel-requested.v1", "replay.ended.v1"], jobEvents.Select(e => e.Str("type")));
        Assert.Equal((count, done), (jobEvents[0].GetProperty("data").GetProperty("total").GetInt32(), jobEvents[3].GetProperty("data").GetProperty("done").GetInt32()));
        Assert.Equal(failed.Order(StringComparer.Ordinal), jobEvents[1].GetProperty("data").GetProperty("deliveryIds").EnumerateArray().Select(d => d.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(jobId, Assert.Single((await client.QueryAsync("{ replayJobs { id } }")).GetProperty("replayJobs").EnumerateArray()).Str("id"));
        await client.ErrorAsync("mutation { cancelReplay(id: \"rpl_nope\") { id } }", "NOT_FOUND");
        await client.ErrorAsync("mutation { startReplay(input: {}) { id } }", "VALIDATION_FAILED");
    }
}
