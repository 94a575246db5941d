using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// One webhook's lanes split between two server processes on PostgreSQL: the instances agree on one breaker (one
/// transition per step, expected-version appends on <c>webhook-{id}</c>), both pause while it is open, exactly
/// one probe goes out per cool-down, and FIFO holds per key across the pause.
/// </summary>
public class CircuitBreakerMultiInstanceTests
{
    [Fact]
    public async Task Two_instances_share_one_breaker_with_one_probe_per_cooldown_and_fifo_per_key()
    {
        await using var receiver = await Receiver.StartAsync();
        var failing = 1;
        receiver.Handler = _ => Task.FromResult(Volatile.Read(ref failing) == 1 ? Results.StatusCode(500) : Results.Ok());
        await using var first = await LedgerServer.StartAsync(StorageKind.Postgres, PolicySettings.ShortCooldown());
        await using var second = await first.StartPeerAsync(PolicySettings.ShortCooldown());
        await MultiInstanceTests.WaitForSplitAsync(first, second);
        using var a = first.Client();
        using var b = second.Client();
        var webhook = await a.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { "mcb.*" }, retrySchedule = Enumerable.Repeat(1, 50).ToArray() });
        var keys = Enumerable.Range(0, 8).Select(k => "key-" + k).ToArray();
        var published = new List<string>();
        var deliveries = new List<string>();
        for (var n = 0; n < 16; n++)
        {
            var e = await (n % 2 == 0 ? a : b).PublishAsync(new { type = "mcb.placed", data = new { key = keys[n % keys.Length], n }, orderingKey = keys[n % keys.Length] });
            published.Add(e.Id());
            deliveries.Add(e.FirstDeliveryId());
        }
        var stream = $"webhook-{webhook.Id()}";

        await a.WaitForStreamAsync(stream, t => t.Count(e => e.Type == BreakerTimeline.Opened) >= 3, "three openings of the breaker", TimeSpan.FromSeconds(90));
        Volatile.Write(ref failing, 0);
        try
        {
            foreach (var id in deliveries)
            {
                await b.WaitForStatusAsync(id, "delivered", TimeSpan.FromSeconds(90));
            }
        }
        catch (Exception)
        {
            Diagnose(await a.StreamAsync(stream), first, second);
            throw;
        }

        var transitions = await a.StreamAsync(stream);
        var timeline = new BreakerTimeline(transitions, receiver.Requests);
        timeline.AssertAlternates();
        Assert.Equal(BreakerTimeline.Closed, transitions[^1].Type);
        Assert.True(receiver.Requests.Count(r => r.At <= timeline.Openings[0].Time("openedAt")) >= 5);
        timeline.AssertOneProbePerCooldown(fromOpening: 1);
        foreach (var key in keys)
        {
            var order = receiver.Requests
                .Where(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("key").GetString() == key)
                .Select(r => published.IndexOf(BreakerTimeline.EventIdOf(r))).ToList();
            Assert.Equal(order.Order(), order);
        }
        Assert.Equal("closed", (await b.WebhookAsync(webhook.Id())).GetProperty("circuitState").GetString());
    }

    private static void Diagnose(IReadOnlyList<LedgerEntry> transitions, LedgerServer first, LedgerServer second)
    {
        Console.WriteLine(string.Join("\n", transitions.Select(t => $"{t.Version} {t.Type} {t.Data}")));
        Console.WriteLine("--- first\n" + first.Output + "\n--- second\n" + second.Output);
    }
}
