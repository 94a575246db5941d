using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.EndToEnd.Tests;

/// <summary>Auto-disable, 410 and manual disabling (docs/delivery-semantics.md), with auto-disable after 3 for <c>v2k</c>.</summary>
public sealed class WebhookDisableTests(ShortCooldownServerFixture fixture) : IClassFixture<ShortCooldownServerFixture>
{
    private readonly HttpClient _client = fixture.Server.Client();
    private readonly string _type = "wd" + Guid.NewGuid().ToString("N")[..10] + ".happened";

    private async Task<List<string>> PublishAsync(int count, int from = 0)
    {
        var deliveries = new List<string>();
        for (var n = from; n < from + count; n++)
        {
            deliveries.Add((await _client.PublishAsync(new { type = _type, data = new { n } })).FirstDeliveryId());
        }
        return deliveries;
    }

    private static int NumberOf(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement.GetProperty("data").GetProperty("n").GetInt32();

    [Fact]
    public async Task A_v2k_webhook_is_disabled_after_the_configured_terminal_failures_its_deliveries_wait_and_enabling_resumes_them_in_order()
    {
        await using var receiver = await Receiver.StartAsync();
        var failing = 1;
        receiver.Handler = _ => Task.FromResult(Volatile.Read(ref failing) == 1 ? Results.StatusCode(500) : Results.Ok());
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), profile = "v2k", events = new[] { _type }, retrySchedule = Array.Empty<int>() });
        var deliveries = await PublishAsync(4);

        var disabled = await _client.WaitForWebhookAsync(webhook.Id(), w => !w.GetProperty("active").GetBoolean(), "the webhook disabled");

        Assert.Equal("CONSECUTIVE_FAILURES", disabled.GetProperty("disabledReason").GetString());
        foreach (var id in deliveries.Take(3))
        {
            Assert.Equal("failed", (await _client.DeliveryAsync(id)).GetProperty("status").GetString());
        }
        var waiting = await _client.DeliveryAsync(deliveries[3]);
        Assert.Equal("pending", waiting.GetProperty("status").GetString());
        Assert.Equal(0, waiting.GetProperty("attempts").GetInt32());
        var stream = await _client.StreamAsync($"webhook-{webhook.Id()}");
        var event0 = Assert.Single(stream);
        Assert.Equal("webhook.disabled.v1", event0.Type);
        Assert.Equal(3, event0.Data.GetProperty("consecutiveFailures").GetInt32());

        var published = await _client.PublishAsync(new { type = _type, data = new { n = 4 } });
        deliveries.Add(published.FirstDeliveryId());
        Assert.Equal(webhook.Id(), published.GetProperty("deliveries")[0].GetProperty("webhookId").GetString());
        Assert.Equal(3, receiver.Requests.Count);

        Volatile.Write(ref failing, 0);
        var enabled = await _client.PatchWebhookAsync(webhook.Id(), new { active = true });
        Assert.True(enabled.GetProperty("active").GetBoolean());
        Assert.Equal(JsonValueKind.Null, enabled.GetProperty("disabledReason").ValueKind);
        await _client.WaitForStatusAsync(deliveries[3], "delivered");
        await _client.WaitForStatusAsync(deliveries[4], "delivered");

        Assert.Equal([0, 1, 2, 3, 4], receiver.Requests.Select(NumberOf));
    }

    [Fact]
    public async Task A_standard_webhook_without_a_threshold_of_its_own_is_never_auto_disabled()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Handler = _ => Task.FromResult(Results.StatusCode(500));
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type }, retrySchedule = Array.Empty<int>() });

        foreach (var id in await PublishAsync(4))
        {
            await _client.WaitForStatusAsync(id, "failed");
        }

        var after = await _client.WebhookAsync(webhook.Id());
        Assert.True(after.GetProperty("active").GetBoolean());
        Assert.Equal("closed", after.GetProperty("circuitState").GetString());
    }

    [Fact]
    public async Task A_410_answer_fails_the_delivery_at_once_and_disables_the_webhook_as_gone()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Handler = _ => Task.FromResult(Results.StatusCode(410));
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type }, retrySchedule = new[] { 1, 1, 1 } });
        var deliveries = await PublishAsync(2);

        var failed = await _client.WaitForStatusAsync(deliveries[0], "failed");
        var disabled = await _client.WaitForWebhookAsync(webhook.Id(), w => !w.GetProperty("active").GetBoolean(), "the webhook disabled");

        Assert.Equal(1, failed.GetProperty("attempts").GetInt32());
        Assert.Equal(410, failed.GetProperty("lastStatusCode").GetInt32());
        Assert.Equal("GONE", disabled.GetProperty("disabledReason").GetString());
        var second = await _client.DeliveryAsync(deliveries[1]);
        Assert.True(second.GetProperty("status").GetString() == "pending", second.ToString());
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task A_manual_disable_is_manual_and_what_is_published_meanwhile_waits_for_the_enable()
    {
        await using var receiver = await Receiver.StartAsync();
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type } });

        var disabled = await _client.PatchWebhookAsync(webhook.Id(), new { active = false });
        Assert.Equal("MANUAL", disabled.GetProperty("disabledReason").GetString());
        var deliveries = await PublishAsync(3);
        Assert.Equal("pending", (await _client.DeliveryAsync(deliveries[0])).GetProperty("status").GetString());

        await _client.PatchWebhookAsync(webhook.Id(), new { active = true });
        foreach (var id in deliveries)
        {
            await _client.WaitForStatusAsync(id, "delivered");
        }
        Assert.Equal([0, 1, 2], receiver.Requests.Select(NumberOf));
    }
}
