using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// An open breaker with the default 30 s cool-down, which none of these tests waits out: what a paused delivery
/// shows, the reset, the operational events, and the rate limit.
/// </summary>
public sealed class BreakerPauseTests(DefaultCooldownServerFixture fixture) : IClassFixture<DefaultCooldownServerFixture>
{
    private readonly HttpClient _client = fixture.Server.Client();
    private readonly string _type = "bp" + Guid.NewGuid().ToString("N")[..10] + ".happened";

    private static JsonElement Body(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement;

    [Fact]
    public async Task A_paused_delivery_shows_circuit_open_with_the_next_probe_and_a_reset_resumes_the_lane_in_order()
    {
        await using var receiver = await Receiver.StartAsync();
        var failing = 1;
        receiver.Handler = _ => Task.FromResult(Volatile.Read(ref failing) == 1 ? Results.StatusCode(502) : Results.Ok());
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type }, retrySchedule = Enumerable.Repeat(0, 10).ToArray() });
        var deliveries = new List<string>();
        for (var n = 0; n < 3; n++)
        {
            deliveries.Add((await _client.PublishAsync(new { type = _type, data = new { n } })).FirstDeliveryId());
        }

        var open = await _client.WaitForWebhookAsync(webhook.Id(), w => w.GetProperty("circuitState").GetString() == "open", "the breaker open");
        var head = await PolicyApi.PollAsync(
            () => _client.DeliveryAsync(deliveries[0]), d => d.GetProperty("lastFailureCode").GetString() == "CIRCUIT_OPEN", "the head paused");

        var openedAt = open.GetProperty("circuitOpenedAt").GetDateTimeOffset();
        var nextProbeAt = open.GetProperty("nextProbeAt").GetDateTimeOffset();
        Assert.Equal(openedAt.AddSeconds(30), nextProbeAt);
        Assert.Equal("retrying", head.GetProperty("status").GetString());
        Assert.Equal(5, head.GetProperty("attempts").GetInt32());
        Assert.Equal(nextProbeAt, head.GetProperty("nextAttemptAt").GetDateTimeOffset());
        Assert.Equal(5, receiver.Requests.Count);
        var lane = await _client.StreamAsync($"delivery-{webhook.Id()}");
        Assert.Single(lane, e => e.Type == "delivery.paused.v1");

        Volatile.Write(ref failing, 0);
        using var reset = await _client.ResetCircuitAsync(webhook.Id());
        var closed = await reset.JsonAsync(200);
        Assert.Equal("closed", closed.GetProperty("circuitState").GetString());
        Assert.Equal(JsonValueKind.Null, closed.GetProperty("circuitOpenedAt").ValueKind);
        foreach (var id in deliveries)
        {
            await _client.WaitForStatusAsync(id, "delivered");
        }

        Assert.Equal([0, 0, 0, 0, 0, 0, 1, 2], receiver.Requests.Select(r => Body(r).GetProperty("data").GetProperty("n").GetInt32()));
        Assert.All(receiver.Requests, r => Assert.True(r.At < nextProbeAt, "the reset let the paused lane go at once, not at the probe time"));
        var transitions = await _client.StreamAsync($"webhook-{webhook.Id()}");
        Assert.Equal(["webhook.circuit-opened.v1", "webhook.circuit-closed.v1"], transitions.Select(t => t.Type));
        Assert.Equal("RESET", transitions[1].Data.GetProperty("reason").GetString());

        using var again = await _client.ResetCircuitAsync(webhook.Id());
        Assert.Equal("closed", (await again.JsonAsync(200)).GetProperty("circuitState").GetString());
        Assert.Equal(2, (await _client.StreamAsync($"webhook-{webhook.Id()}")).Count);
        using var unknown = await _client.ResetCircuitAsync("wh_unknown");
        Assert.Equal("NOT_FOUND", (await unknown.JsonAsync(404)).GetProperty("error").GetProperty("code").GetString());
        using var otherTenant = fixture.Server.Client(LedgerServer.OtherTenantKey);
        using var foreign = await otherTenant.ResetCircuitAsync(webhook.Id());
        await foreign.JsonAsync(404);
    }

    [Fact]
    public async Task Operational_events_reach_a_webhook_subscribed_to_them_and_never_the_webhook_they_describe()
    {
        using var tenant = fixture.Server.Client(LedgerServer.OtherTenantKey);
        await using var sick = await Receiver.StartAsync();
        await using var operator_ = await Receiver.StartAsync();
        sick.Handler = _ => Task.FromResult(Results.StatusCode(500));
        var sickHook = await tenant.CreateWebhookAsync(new
        {
            url = sick.Url(),
            events = new[] { _type, "ledger.*" },
            retrySchedule = Enumerable.Repeat(0, 10).ToArray(),
        });
        await tenant.CreateWebhookAsync(new { url = operator_.Url(), events = new[] { "ledger.*" } });

        await tenant.PublishAsync(new { type = _type, data = new { n = 0 } });
        var heard = await operator_.WaitForAsync(r => r.Any(x => Body(x).GetProperty("type").GetString() == "ledger.circuit.opened"));
        await tenant.ResetCircuitAsync(sickHook.Id());
        heard = await operator_.WaitForAsync(r => r.Any(x => Body(x).GetProperty("type").GetString() == "ledger.circuit.closed"));

        var opened = Body(heard.First(x => Body(x).GetProperty("type").GetString() == "ledger.circuit.opened")).GetProperty("data");
        Assert.Equal(sickHook.Id(), opened.GetProperty("webhookId").GetString());
        Assert.Equal(5, opened.GetProperty("consecutiveFailures").GetInt32());
        Assert.True(opened.TryGetProperty("nextProbeAt", out _));
        var closed = Body(heard.First(x => Body(x).GetProperty("type").GetString() == "ledger.circuit.closed")).GetProperty("data");
        Assert.Equal("RESET", closed.GetProperty("reason").GetString());
        Assert.All(sick.Requests, r => Assert.Equal(_type, Body(r).GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Auto_disable_publishes_ledger_webhook_disabled()
    {
        using var tenant = fixture.Server.Client(LedgerServer.OtherTenantKey);
        await using var gone = await Receiver.StartAsync();
        await using var operator_ = await Receiver.StartAsync();
        gone.Handler = _ => Task.FromResult(Results.StatusCode(410));
        var goneHook = await tenant.CreateWebhookAsync(new { url = gone.Url(), events = new[] { _type } });
        await tenant.CreateWebhookAsync(new { url = operator_.Url(), events = new[] { "ledger.webhook.disabled" } });

        await tenant.PublishAsync(new { type = _type, data = new { n = 0 } });

        var heard = await operator_.WaitForAsync(r => r.Any(x => Body(x).GetProperty("data").GetProperty("webhookId").GetString() == goneHook.Id()));
        var data = Body(heard.First(x => Body(x).GetProperty("data").GetProperty("webhookId").GetString() == goneHook.Id())).GetProperty("data");
        Assert.Equal("GONE", data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_rate_limit_lets_a_few_per_window_through_and_the_rest_wait_for_the_window_without_failing()
    {
        await using var receiver = await Receiver.StartAsync();
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type }, ordering = "unordered", rateLimitPerMinute = 3 });
        var deliveries = new List<string>();
        for (var n = 0; n < 5; n++)
        {
            deliveries.Add((await _client.PublishAsync(new { type = _type, data = new { n } })).FirstDeliveryId());
        }

        var firstThree = await receiver.WaitForCountAsync(3);
        var statuses = await PolicyApi.PollAsync(
            async () => (await Task.WhenAll(deliveries.Select(_client.DeliveryAsync))).Select(d => d.GetProperty("status").GetString()!).ToList(),
            s => s.Count(x => x == "delivered") == 3,
            "the three received deliveries shown delivered");
        Assert.Equal(2, statuses.Count(s => s == "pending"));
        Assert.Equal(3, receiver.Requests.Count);

        var all = await receiver.WaitForCountAsync(5, TimeSpan.FromSeconds(150));
        foreach (var id in deliveries)
        {
            var delivery = await _client.WaitForStatusAsync(id, "delivered");
            Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        }
        var start = firstThree.Min(r => r.At);
        Assert.All(all.OrderBy(r => r.At).Skip(3), r => Assert.True(r.At >= start.AddSeconds(59), $"a request at {r.At:O} came within the window that began {start:O}"));
        Assert.Equal(3, all.Count(r => r.At < start.AddSeconds(59)));
        Assert.Equal("closed", (await _client.WebhookAsync(webhook.Id())).GetProperty("circuitState").GetString());
    }
}
