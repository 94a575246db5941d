using System.Net;
using Ledger.Client.Publishing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ledger.Client.Tests;

public sealed class LedgerClientTests(ClientServerFixture fixture) : IClassFixture<ClientServerFixture>
{
    private readonly LedgerClient _ledger = new(fixture.Http(), LedgerServer.ApiKey);
    private readonly string _type = "t" + Guid.NewGuid().ToString("N")[..10] + ".client";

    [Fact]
    public async Task Publishes_an_event_and_finds_its_delivery_delivered_with_its_attempt_log()
    {
        await using var receiver = await Receiver.StartAsync();
        var webhook = await _ledger.CreateWebhookAsync(new WebhookSettings { Url = receiver.Url(), Events = [_type], Description = "client test" });

        var published = await _ledger.PublishAsync(new PublishEvent(_type, new { amount = "100" }) { OrderingKey = "k-1", Metadata = new Dictionary<string, string> { ["team"] = "payments" } });
        await receiver.WaitForCountAsync(1);

        Assert.StartsWith("evt_", published.Id, StringComparison.Ordinal);
        var deliveryId = Assert.Single(published.Deliveries).Id;
        using (var rest = fixture.Server.Client())
        {
            await rest.WaitForStatusAsync(deliveryId, "delivered");
        }
        var delivery = await _ledger.GetDeliveryAsync(deliveryId);
        Assert.Equal("delivered", delivery.Status);
        Assert.Equal(webhook.Id, delivery.WebhookId);
        Assert.Equal(200, Assert.Single(delivery.AttemptLog!).StatusCode);
        var page = await _ledger.ListDeliveriesAsync(new DeliveryQuery { WebhookId = webhook.Id });
        Assert.Equal(deliveryId, Assert.Single(page.Data).Id);
    }

    [Fact]
    public async Task Publishing_the_same_event_twice_gives_the_same_deliveries()
    {
        await using var receiver = await Receiver.StartAsync();
        await _ledger.CreateWebhookAsync(new WebhookSettings { Url = receiver.Url(), Events = [_type] });
        var request = new PublishEvent(_type, new { n = 1 }) { Id = "evt_client_" + Guid.NewGuid().ToString("N") };

        var first = await _ledger.PublishAsync(request);
        var again = await _ledger.PublishAsync(request);

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(first.Deliveries.Select(d => d.Id), again.Deliveries.Select(d => d.Id));
    }

    [Fact]
    public async Task Manages_a_webhook_update_rotate_list_and_delete()
    {
        var created = await _ledger.CreateWebhookAsync(new WebhookSettings { Url = "http://127.0.0.1:9/hook", Events = [_type], Profile = "generic" });
        Assert.False(string.IsNullOrEmpty(created.Secret));

        var updated = await _ledger.UpdateWebhookAsync(created.Id, new WebhookSettings { Description = "renamed", Active = false });
        var rotated = await _ledger.RotateSecretAsync(created.Id, overlapHours: 1);
        var listed = await _ledger.ListWebhooksAsync(limit: 100);
        await _ledger.DeleteWebhookAsync(created.Id);

        Assert.Equal("renamed", updated.Description);
        Assert.False(updated.Active);
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.Contains(listed.Data, w => w.Id == created.Id);
        var gone = await Assert.ThrowsAsync<LedgerApiException>(() => _ledger.GetWebhookAsync(created.Id));
        Assert.Equal("NOT_FOUND", gone.Code);
    }

    [Fact]
    public async Task A_refusal_is_a_typed_exception_with_the_code_and_field()
    {
        var refused = await Assert.ThrowsAsync<LedgerApiException>(() => _ledger.CreateWebhookAsync(new WebhookSettings { Url = "not a url" }));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("VALIDATION_FAILED", refused.Code);
        Assert.Equal("url", refused.Field);
    }

    [Fact]
    public async Task An_unknown_key_is_unauthenticated()
    {
        var stranger = new LedgerClient(fixture.Http(), "not_a_key_0123456789");

        var refused = await Assert.ThrowsAsync<LedgerApiException>(() => stranger.ListWebhooksAsync());

        Assert.Equal("UNAUTHENTICATED", refused.Code);
    }

    [Fact]
    public async Task Answers_429_and_503_are_retried_honouring_retry_after_and_the_publish_keeps_its_id()
    {
        var ids = new List<string?>();
        var calls = 0;
        await using var flaky = await LoopbackApp.StartAsync(app => app.MapPost("/v1/events", async (HttpContext http) =>
        {
            var body = await System.Text.Json.JsonDocument.ParseAsync(http.Request.Body);
            lock (ids)
            {
                ids.Add(body.RootElement.GetProperty("id").GetString());
            }
            switch (Interlocked.Increment(ref calls))
            {
                case 1:
                    http.Response.Headers.RetryAfter = "0";
                    return Results.Json(new { error = new { code = "RATE_LIMITED", message = "slow down" } }, statusCode: 429);
                case 2:
                    http.Response.Headers.RetryAfter = "0";
                    return Results.Json(new { error = new { code = "UNAVAILABLE", message = "storage unreachable" } }, statusCode: 503);
                default:
                    return Results.Json(new { id = ids[0], deliveries = Array.Empty<object>() }, statusCode: 202);
            }
        }));
        var client = new LedgerClient(new HttpClient { BaseAddress = flaky.Address }, "any_key_0123456789abcdef");

        var published = await client.PublishAsync(new PublishEvent("a.b", new { }));

        Assert.Equal(3, calls);
        Assert.Single(ids.Distinct());
        Assert.Equal(ids[0], published.Id);
    }

    [Fact]
    public async Task Retries_end_with_the_last_refusal()
    {
        var calls = 0;
        await using var down = await LoopbackApp.StartAsync(app => app.MapGet("/v1/webhooks", (HttpContext http) =>
        {
            Interlocked.Increment(ref calls);
            http.Response.Headers.RetryAfter = "0";
            return Results.Json(new { error = new { code = "UNAVAILABLE", message = "storage unreachable" } }, statusCode: 503);
        }));
        var client = new LedgerClient(new HttpClient { BaseAddress = down.Address }, "any_key_0123456789abcdef", new LedgerClientOptions { MaxRetries = 2 });

        var refused = await Assert.ThrowsAsync<LedgerApiException>(() => client.ListWebhooksAsync());

        Assert.Equal("UNAVAILABLE", refused.Code);
        Assert.Equal(3, calls);
    }
}
