using System.Text.Json;
using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests;

/// <summary>A bulk replay the server's death interrupts goes on after a restart, on the same storage, where it stopped.</summary>
public abstract class ReplayRestartTests<TStorage>
    where TStorage : IStorageChoice
{
    private const string Key = "rrst_key_default_0123456789";

    [Fact]
    public async Task A_replay_interrupted_by_kill_9_resumes_after_the_restart_and_redelivers_each_delivery_exactly_once()
    {
        await using var server = await LedgerServer.StartAsync(TStorage.Kind, new Dictionary<string, string>
        {
            ["LEDGER_BOOTSTRAP_API_KEY"] = $"rrst:{Key}",
            ["Ledger__Replay__PerSecond"] = "2",
            ["Ledger__Delivery__Breaker__FailureThreshold"] = "1000",
        });
        var client = server.Client(Key);
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var webhookId = (await client.QueryAsync(
            "mutation($url: String!) { createWebhook(input: { url: $url, events: [\"rrst.replay\"], retrySchedule: [] }) { webhook { id } } }",
            new { url = Receivers.Refusing() })).GetProperty("createWebhook").GetProperty("webhook").Str("id");
        const int count = 12;
        var failed = new HashSet<string>();
        await using (var updates = await WsClient.ConnectAndInitAsync(server.WebSocketAddress(), Key))
        {
            await updates.SubscribeAsync("failed", "subscription($id: ID) { deliveryUpdated(webhookId: $id, status: [FAILED]) { id } }", new { id = webhookId });
            for (var i = 0; i < count; i++)
            {
                await client.QueryAsync("mutation($data: JSON!) { publishEvent(input: { type: \"rrst.replay\", data: $data }) { event { id } } }", new { data = new { n = i } });
            }
            while (failed.Count < count)
            {
                failed.Add((await updates.NextMatchingAsync("failed", _ => true)).Str("id"));
            }
        }

        var jobId = (await client.QueryAsync(
            "mutation($id: ID!, $since: DateTime!) { startReplay(input: { webhookId: $id, since: $since }) { id } }",
            new { id = webhookId, since })).GetProperty("startReplay").Str("id");
        await using (var progress = await WsClient.ConnectAndInitAsync(server.WebSocketAddress(), Key))
        {
            await progress.SubscribeAsync("job", "subscription($id: ID!) { replayJobProgress(id: $id) { done status } }", new { id = jobId });
            var before = await progress.NextMatchingAsync("job", j => j.GetProperty("done").GetInt32() >= 2);
            Assert.Equal("RUNNING", before.Str("status"));
            await server.KillAsync();
        }
        var killedAt = DateTimeOffset.UtcNow;
        const string tenantStream = "tenant-rrst";

        await server.RestartAsync();
        client = server.Client(Key);
        await using (var ledger = await WsClient.ConnectAndInitAsync(server.WebSocketAddress(), Key))
        {
            await ledger.SubscribeAsync("ledger", "subscription($prefix: String) { ledgerAppended(streamPrefix: $prefix) { type data } }", new { prefix = tenantStream });
            if (!(await JobEventsAsync(client, tenantStream, jobId)).Any(e => e.Str("type") == "replay.ended.v1"))
            {
                await ledger.NextMatchingAsync("ledger", e => e.Str("type") == "replay.ended.v1" && e.GetProperty("data").Str("jobId") == jobId);
            }
        }

        var job = (await client.QueryAsync("query($id: ID!) { replayJob(id: $id) { status total done failed endedAt } }", new { id = jobId })).GetProperty("replayJob");
        Assert.Equal(("COMPLETED", count, count, 0), (job.Str("status"), job.GetProperty("total").GetInt32(), job.GetProperty("done").GetInt32(), job.GetProperty("failed").GetInt32()));
        Assert.True(job.GetProperty("endedAt").GetDateTimeOffset() > killedAt, "the job ended before the server was killed");
        var ended = Assert.Single(await JobEventsAsync(client, tenantStream, jobId), e => e.Str("type") == "replay.ended.v1");
        Assert.Equal(("completed", count), (ended.GetProperty("data").Str("outcome"), ended.GetProperty("data").GetProperty("done").GetInt32()));
        foreach (var deliveryId in failed)
        {
            var history = (await client.QueryAsync("query($id: ID!) { delivery(id: $id) { history { type data } } }", new { id = deliveryId }))
                .GetProperty("delivery").GetProperty("history").EnumerateArray();
            Assert.Equal(1, history.Count(e => e.Str("type") == "delivery.redelivery-requested.v1"
                && e.GetProperty("data").TryGetProperty("replayJobId", out var named) && named.GetString() == jobId));
        }
    }

    private static async Task<List<JsonElement>> JobEventsAsync(HttpClient client, string stream, string jobId) =>
        [.. (await client.QueryAsync("query($id: String!) { stream(id: $id, first: 1000) { type data } }", new { id = stream })).GetProperty("stream").EnumerateArray()
            .Where(e => e.GetProperty("data").TryGetProperty("jobId", out var id) && id.GetString() == jobId)];
}

public sealed class ReplayRestartTestsOnSqlite : ReplayRestartTests<OnSqlite>;

public sealed class ReplayRestartTestsOnPostgres : ReplayRestartTests<OnPostgres>;
