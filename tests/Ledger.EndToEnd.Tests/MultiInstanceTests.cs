using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.EndToEnd.Tests;

/// <summary>Two server processes on one PostgreSQL database (a schema per test), splitting the lanes between them.</summary>
public class MultiInstanceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static string KeyOf(ReceivedRequest request) => FlakyKeyedReceiver.KeyOf(request);

    private static string EventIdOf(ReceivedRequest request) => FlakyKeyedReceiver.EventIdOf(request);

    [Fact]
    public async Task Two_instances_keep_fifo_per_key_deliver_everything_and_the_survivor_of_a_kill_9_finishes_every_key()
    {
        await using var receiver = await Receiver.StartAsync();
        var firstReceipts = new ConcurrentDictionary<string, byte>();
        var killAfter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var flaky = new FlakyKeyedReceiver(7)
        {
            OnRequest = request =>
            {
                if (firstReceipts.TryAdd(EventIdOf(request), 0) && firstReceipts.Count >= 40)
                {
                    killAfter.TrySetResult();
                }
            },
        };
        receiver.Handler = flaky.HandleAsync;
        // The receiver fails 30 % of requests at random: the breaker must not pause the webhook for what this checks.
        var settings = PatientBreaker.Settings();
        settings["Ledger__Delivery__TimeoutSeconds"] = "5";
        await using var first = await LedgerServer.StartAsync(StorageKind.Postgres, settings);
        await using var second = await first.StartPeerAsync();
        await WaitForSplitAsync(first, second);

        var clients = new[] { first.Client(), second.Client() };
        await clients[1].CreateWebhookAsync(new { url = receiver.Url(), events = new[] { "mi.*" }, retrySchedule = Enumerable.Repeat(0, 40).ToArray() });
        var keys = Enumerable.Range(0, 12).Select(k => "key-" + k).ToArray();
        var published = keys.ToDictionary(k => k, _ => new List<string>());
        var all = new List<string>();
        async Task PublishAsync(HttpClient client, int n)
        {
            var key = keys[n % keys.Length];
            var e = await client.PublishAsync(new { type = "mi.placed", data = new { key, n }, orderingKey = key });
            published[key].Add(e.Id());
            all.Add(e.Id());
        }

        // Half of the events through each instance, one after the other, so publish order is ledger order.
        for (var n = 0; n < 120; n++)
        {
            await PublishAsync(clients[n % 2], n);
        }
        await killAfter.Task.WithinAsync(Patience, "40 events reaching the receiver");
        var (victim, survivor) = await RoleAsync(first) == "leader" ? (first, second) : (second, first);
        await victim.KillAsync();
        using var client = survivor.Client();
        for (var n = 120; n < 160; n++)
        {
            await PublishAsync(client, n);
        }

        var requests = await receiver.WaitForAsync(r => r.Select(EventIdOf).Distinct().Count() == all.Count, TimeSpan.FromSeconds(180));

        Assert.Empty(flaky.Overlaps);
        foreach (var key in keys)
        {
            Assert.Equal(published[key], requests.Where(r => KeyOf(r) == key).Select(EventIdOf).Distinct().ToList());
        }
        var health = await HealthAsync(survivor);
        Assert.Equal("leader", health.GetProperty("role").GetString());
        Assert.Equal(health.GetProperty("laneBuckets").GetProperty("total").GetInt32(), health.GetProperty("laneBuckets").GetProperty("owned").GetInt32());
        foreach (var c in clients)
        {
            c.Dispose();
        }
    }

    [Fact]
    public async Task Each_instance_reads_its_own_writes_and_publishes_to_webhooks_made_on_the_other()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var first = await LedgerServer.StartAsync(StorageKind.Postgres);
        await using var second = await first.StartPeerAsync();
        using var a = first.Client();
        using var b = second.Client();

        foreach (var (maker, other) in new[] { (a, b), (b, a) })
        {
            var webhook = await maker.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { "ryw.*" } });
            await (await maker.GetAsync(new Uri($"/v1/webhooks/{webhook.Id()}", UriKind.Relative))).JsonAsync(200);
            await (await other.GetAsync(new Uri($"/v1/webhooks/{webhook.Id()}", UriKind.Relative))).JsonAsync(200);

            // The other instance plans deliveries from its own registry, which must already hold the new webhook.
            var published = await other.PublishAsync(new { type = "ryw.made", data = new { on = "other" } });
            Assert.Contains(published.GetProperty("deliveries").EnumerateArray(), d => d.GetProperty("webhookId").GetString() == webhook.Id());
            await maker.WaitForStatusAsync(published.GetProperty("deliveries").EnumerateArray()
                .First(d => d.GetProperty("webhookId").GetString() == webhook.Id()).Id(), "delivered");

            var patched = await (await maker.PatchAsync(
                new Uri($"/v1/webhooks/{webhook.Id()}", UriKind.Relative), JsonContent.Create(new { description = "changed" }))).JsonAsync(200);
            Assert.Equal("changed", patched.GetProperty("description").GetString());
            await (await other.DeleteAsync(new Uri($"/v1/webhooks/{webhook.Id()}", UriKind.Relative))).JsonAsync(204);
            await (await maker.GetAsync(new Uri($"/v1/webhooks/{webhook.Id()}", UriKind.Relative))).JsonAsync(404);
        }
    }

    /// <summary>
    /// Waits until the two instances own every lane bucket between them, each a share. Ownership is reported only on
    /// <c>/healthz</c>, with no signal to wait on, so this polls it (every 100 ms) until it holds or the deadline passes.
    /// </summary>
    internal static async Task WaitForSplitAsync(LedgerServer first, LedgerServer second)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (true)
        {
            var (a, b) = (await HealthAsync(first), await HealthAsync(second));
            var owned = (A: a.GetProperty("laneBuckets").GetProperty("owned").GetInt32(), B: b.GetProperty("laneBuckets").GetProperty("owned").GetInt32());
            if (owned.A > 0 && owned.B > 0 && owned.A + owned.B == a.GetProperty("laneBuckets").GetProperty("total").GetInt32())
            {
                return;
            }
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"the instances did not split the lane buckets: {a} / {b}");
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    private static async Task<string> RoleAsync(LedgerServer server) => (await HealthAsync(server)).GetProperty("role").GetString()!;

    private static async Task<JsonElement> HealthAsync(LedgerServer server)
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        return await (await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative))).JsonAsync(200);
    }
}
