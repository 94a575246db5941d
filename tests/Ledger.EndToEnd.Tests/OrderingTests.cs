using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.EndToEnd.Tests;

public abstract class OrderingTests<TStorage>(PatientBreakerServerFixture<TStorage> fixture) : IClassFixture<PatientBreakerServerFixture<TStorage>>
    where TStorage : IStorageChoice
{
    private readonly HttpClient _client = fixture.Server.Client();

    private static string EventIdOf(ReceivedRequest request) => FlakyKeyedReceiver.EventIdOf(request);

    [Fact]
    public async Task Fifo_holds_per_key_under_a_receiver_that_fails_at_random_with_random_latency()
    {
        await using var receiver = await Receiver.StartAsync();
        var flaky = new FlakyKeyedReceiver(42);
        receiver.Handler = flaky.HandleAsync;
        await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { "order.*" }, retrySchedule = Enumerable.Repeat(0, 30).ToArray() });

        var keys = new[] { "k1", "k2", "k3" };
        var published = new Dictionary<string, List<string>>();
        foreach (var key in keys)
        {
            published[key] = [];
        }
        for (var i = 0; i < 60; i++)
        {
            var key = keys[i % keys.Length];
            var e = await _client.PublishAsync(new { type = "order.placed", data = new { key, n = i }, orderingKey = key });
            published[key].Add(e.Id());
        }

        var requests = await receiver.WaitForAsync(r => r.Select(EventIdOf).Distinct().Count() == 60, TimeSpan.FromSeconds(120));

        Assert.Empty(flaky.Overlaps);
        foreach (var key in keys)
        {
            var firstReceipts = requests
                .Where(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("key").GetString() == key)
                .Select(EventIdOf).Distinct().ToList();
            Assert.Equal(published[key], firstReceipts);
        }
    }

    [Fact]
    public async Task Two_ordering_keys_proceed_concurrently()
    {
        await using var receiver = await Receiver.StartAsync();
        var bArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Handler = async request =>
        {
            using var body = JsonDocument.Parse(request.Body);
            var key = body.RootElement.GetProperty("data").GetProperty("key").GetString();
            if (key == "a")
            {
                // Key a's head is held until key b's head has arrived: only concurrent lanes can get past this.
                await bArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            else
            {
                bArrived.TrySetResult();
            }
            return Results.Ok();
        };
        await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { "lane.*" } });

        var a = await _client.PublishAsync(new { type = "lane.test", data = new { key = "a" }, orderingKey = "a" });
        var b = await _client.PublishAsync(new { type = "lane.test", data = new { key = "b" }, orderingKey = "b" });

        await _client.WaitForStatusAsync(a.FirstDeliveryId(), "delivered");
        await _client.WaitForStatusAsync(b.FirstDeliveryId(), "delivered");
        Assert.Equal(1, (await _client.DeliveryAsync(a.FirstDeliveryId())).GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_slow_receiver_does_not_slow_deliveries_to_other_webhooks()
    {
        // Its own server, with the default 10 s attempt timeout.
        await using var server = await LedgerServer.StartAsync(TStorage.Kind);
        var client = server.Client();
        await using var slow = await Receiver.StartAsync();
        await using var fast = await Receiver.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Handler = async _ =>
        {
            await release.Task;
            return Results.Ok();
        };
        await client.CreateWebhookAsync(new { url = slow.Url(), events = new[] { "iso.*" }, ordering = "unordered" });
        await client.CreateWebhookAsync(new { url = fast.Url(), events = new[] { "iso.*" } });
        try
        {
            // Every slow delivery hangs until the 10 s timeout while the fast webhook's 50 go through.
            for (var i = 0; i < 50; i++)
            {
                await client.PublishAsync(new { type = "iso.tick", data = new { i }, orderingKey = "k" + (i % 10) });
            }
            var started = TimeProvider.System.GetTimestamp();
            await fast.WaitForCountAsync(50, TimeSpan.FromSeconds(60));
            var elapsed = TimeProvider.System.GetElapsedTime(started);

            // A generous bound: the fast receiver must not have waited behind the slow one's timeouts (50 × 10 s).
            Assert.True(elapsed < TimeSpan.FromSeconds(30), $"the fast webhook took {elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            release.TrySetResult();
        }
    }
}

public sealed class OrderingTestsOnSqlite(PatientBreakerServerFixture<OnSqlite> fixture) : OrderingTests<OnSqlite>(fixture);

public sealed class OrderingTestsOnPostgres(PatientBreakerServerFixture<OnPostgres> fixture) : OrderingTests<OnPostgres>(fixture);
