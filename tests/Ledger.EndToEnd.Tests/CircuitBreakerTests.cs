using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.EndToEnd.Tests;

/// <summary>The circuit breaker of docs/delivery-semantics.md against real receivers, with a cool-down of 2 s doubling to 4 s.</summary>
public sealed class CircuitBreakerTests(ShortCooldownServerFixture fixture) : IClassFixture<ShortCooldownServerFixture>
{
    private readonly HttpClient _client = fixture.Server.Client();
    private readonly string _type = "cb" + Guid.NewGuid().ToString("N")[..10] + ".happened";

    [Fact]
    public async Task Breaker_opens_after_five_failures_sends_one_probe_per_cooldown_and_a_recovered_receiver_closes_it_with_fifo_kept()
    {
        await using var receiver = await Receiver.StartAsync();
        var failing = 1;
        receiver.Handler = _ => Task.FromResult(Volatile.Read(ref failing) == 1 ? Results.StatusCode(500) : Results.Ok());
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type }, retrySchedule = Enumerable.Repeat(1, 40).ToArray() });
        var published = new List<string>();
        var deliveries = new List<string>();
        for (var n = 0; n < 3; n++)
        {
            var e = await _client.PublishAsync(new { type = _type, data = new { n } });
            published.Add(e.Id());
            deliveries.Add(e.FirstDeliveryId());
        }
        var stream = $"webhook-{webhook.Id()}";

        await _client.WaitForStreamAsync(stream, t => t.Count(e => e.Type == BreakerTimeline.Opened) >= 3, "three openings of the breaker");
        Volatile.Write(ref failing, 0);
        foreach (var id in deliveries)
        {
            await _client.WaitForStatusAsync(id, "delivered");
        }

        var transitions = await _client.StreamAsync(stream);
        var timeline = new BreakerTimeline(transitions, receiver.Requests);
        timeline.AssertAlternates();
        Assert.Equal(BreakerTimeline.Closed, transitions[^1].Type);
        Assert.Equal("PROBE_SUCCEEDED", transitions[^1].Data.GetProperty("reason").GetString());
        var first = timeline.Openings[0];
        Assert.Equal(5, first.Data.GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal("HTTP_STATUS", first.Data.GetProperty("lastFailureCode").GetString());
        Assert.Equal(500, first.Data.GetProperty("lastStatusCode").GetInt32());
        Assert.Equal(first.Time("openedAt").AddSeconds(2), first.Time("probeAt"));
        Assert.Equal([2, 4, 4], timeline.Openings.Take(3).Select(o => o.Data.GetProperty("cooldownSeconds").GetInt32()));
        Assert.Equal(5, receiver.Requests.Count(r => r.At <= first.Time("openedAt")));
        timeline.AssertOneProbePerCooldown(fromOpening: 0);
        timeline.AssertPausesOncePerOpening(await _client.StreamAsync($"delivery-{webhook.Id()}"));

        var order = receiver.Requests.Select(r => published.IndexOf(BreakerTimeline.EventIdOf(r))).ToList();
        Assert.Equal(order.Order(), order);
        var after = await _client.WebhookAsync(webhook.Id());
        Assert.Equal("closed", after.GetProperty("circuitState").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("circuitOpenedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("nextProbeAt").ValueKind);
    }

    [Fact]
    public async Task Other_webhooks_are_not_held_by_an_open_breaker()
    {
        await using var sick = await Receiver.StartAsync();
        await using var healthy = await Receiver.StartAsync();
        sick.Handler = _ => Task.FromResult(Results.StatusCode(503));
        var sickHook = await _client.CreateWebhookAsync(new { url = sick.Url(), events = new[] { _type }, retrySchedule = Enumerable.Repeat(0, 10).ToArray() });
        await _client.CreateWebhookAsync(new { url = healthy.Url(), events = new[] { _type } });

        await _client.PublishAsync(new { type = _type, data = new { n = 1 } });
        await _client.WaitForWebhookAsync(sickHook.Id(), w => w.GetProperty("circuitState").GetString() is "open" or "half_open", "the sick webhook's breaker open");
        var published = await _client.PublishAsync(new { type = _type, data = new { n = 2 } });

        await healthy.WaitForCountAsync(2);
        var toHealthy = published.GetProperty("deliveries").EnumerateArray().First(d => d.GetProperty("webhookId").GetString() != sickHook.Id()).Id();
        await _client.WaitForStatusAsync(toHealthy, "delivered");
    }
}
