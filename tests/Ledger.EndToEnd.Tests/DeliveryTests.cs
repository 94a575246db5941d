using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.EndToEnd.Tests;

public abstract class DeliveryTests<TStorage>(ServerFixture<TStorage> fixture) : IClassFixture<ServerFixture<TStorage>>
    where TStorage : IStorageChoice
{
    private readonly HttpClient _client = fixture.Server.Client();

    /// <summary>An event type no other test publishes, so tests sharing the server never see each other's events.</summary>
    private readonly string _type = "t" + Guid.NewGuid().ToString("N")[..10] + ".happened";

    private static readonly object TrickyData = new Dictionary<string, object?>
    {
        ["tradeId"] = "11111111-1111-4111-8111-111111111111",
        ["amount"] = "100",
        ["price"] = 1.50,
        ["whole"] = 1.0,
        ["big"] = 1e21,
        ["tokensOut"] = "237340124711760000000",
        ["text"] = "café ✓ 🚀 & <b> 'q' + \"dq\" \\ \n",
        ["nested"] = new object[] { 1, 0.1, new Dictionary<string, object?> { ["z"] = null, ["a"] = true } },
    };

    [Theory]
    [InlineData("standard")]
    [InlineData("svix")]
    [InlineData("kash")]
    [InlineData("v2k")]
    [InlineData("generic")]
    [InlineData("github")]
    public async Task Each_profile_request_verifies_with_the_receivers_own_library(string profile)
    {
        NodeScripts.RequireModules();
        await using var receiver = await Receiver.StartAsync();
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), profile, events = new[] { _type } });
        var secret = webhook.GetProperty("secret").GetString()!;

        var published = await _client.PublishAsync(new
        {
            type = _type,
            data = TrickyData,
            apiVersion = "2026-04-29",
            metadata = new Dictionary<string, string> { ["strategy"] = "momentum-v2" },
        });
        var request = (await receiver.WaitForCountAsync(1))[0];
        var verdict = await NodeScripts.RunAsync("verify-signature.mjs", JsonSerializer.Serialize(new
        {
            profile,
            secret,
            headers = request.Headers,
            bodyBase64 = Convert.ToBase64String(request.Body),
        }));

        Assert.True(JsonDocument.Parse(verdict).RootElement.GetProperty("ok").GetBoolean(), $"{profile}: {verdict}");
        Assert.StartsWith("application/json", request.Header("content-type"), StringComparison.Ordinal);
        Assert.Contains(request.Headers.Values, v => v == published.Id());
        Assert.Contains("café ✓ 🚀 & <b>", request.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_attempts_are_retried_on_the_schedule_until_one_succeeds_with_the_same_body()
    {
        await using var receiver = await Receiver.StartAsync();
        var calls = 0;
        receiver.Handler = _ => Task.FromResult(Interlocked.Increment(ref calls) <= 2 ? Results.StatusCode(500) : Results.Ok());
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type }, retrySchedule = new[] { 0, 1, 1 } });

        var published = await _client.PublishAsync(new { type = _type, data = new { id = "po_1" } });
        var delivery = await _client.WaitForStatusAsync(published.FirstDeliveryId(), "delivered");

        var requests = receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));
        Assert.Equal(3, delivery.GetProperty("attempts").GetInt32());
        var log = delivery.GetProperty("attemptLog");
        Assert.Equal([500, 500, 200], log.EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.Equal("HTTP_STATUS", log[0].GetProperty("failureCode").GetString());
        Assert.Equal(webhook.Id(), delivery.GetProperty("webhookId").GetString());
    }

    [Fact]
    public async Task A_redirect_is_a_failure_and_is_never_followed()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Handler = r => Task.FromResult(r.Path == "/hook" ? Results.Redirect(receiver.Url("/elsewhere")) : Results.Ok());
        await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type }, retrySchedule = Array.Empty<int>() });

        var published = await _client.PublishAsync(new { type = _type, data = new { user = "u1" } });
        var delivery = await _client.WaitForStatusAsync(published.FirstDeliveryId(), "failed");

        Assert.Equal(302, delivery.GetProperty("lastStatusCode").GetInt32());
        Assert.Equal("HTTP_STATUS", delivery.GetProperty("lastFailureCode").GetString());
        Assert.DoesNotContain(receiver.Requests, r => r.Path == "/elsewhere");
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_is_a_timeout()
    {
        // Its own server with a 1 s attempt timeout; the shared one keeps the default 10 s.
        await using var server = await LedgerServer.StartAsync(TStorage.Kind, new Dictionary<string, string> { ["Ledger__Delivery__TimeoutSeconds"] = "1" });
        var client = server.Client();
        await using var receiver = await Receiver.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Handler = async _ =>
        {
            await release.Task;
            return Results.Ok();
        };
        await client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type }, retrySchedule = Array.Empty<int>() });
        try
        {
            var published = await client.PublishAsync(new { type = _type, data = new { id = "t1" } });
            var delivery = await client.WaitForStatusAsync(published.FirstDeliveryId(), "failed");

            Assert.Equal("TIMEOUT", delivery.GetProperty("lastFailureCode").GetString());
            Assert.Equal(JsonValueKind.Null, delivery.GetProperty("lastStatusCode").ValueKind);
            Assert.NotEqual(JsonValueKind.Null, delivery.GetProperty("terminalFailureAt").ValueKind);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task A_terminally_failed_delivery_redelivers_as_a_new_cycle_with_attempts_numbered_on()
    {
        await using var receiver = await Receiver.StartAsync();
        var healthy = false;
        receiver.Handler = _ => Task.FromResult(Volatile.Read(ref healthy) ? Results.Ok() : Results.StatusCode(503));
        await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type }, retrySchedule = new[] { 0 } });
        var published = await _client.PublishAsync(new { type = _type, data = new { id = "t2" } });
        var deliveryId = published.FirstDeliveryId();
        var failed = await _client.WaitForStatusAsync(deliveryId, "failed");
        Assert.Equal(2, failed.GetProperty("attempts").GetInt32());

        Volatile.Write(ref healthy, true);
        var redelivered = await (await _client.PostAsync($"/v1/deliveries/{deliveryId}/redeliver", null)).JsonAsync(202);
        Assert.Equal(deliveryId, redelivered.Id());
        var delivered = await _client.WaitForStatusAsync(deliveryId, "delivered");

        Assert.Equal(3, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal([1, 2, 3], delivered.GetProperty("attemptLog").EnumerateArray().Select(a => a.GetProperty("number").GetInt32()));
        Assert.Equal(JsonValueKind.Null, delivered.GetProperty("terminalFailureAt").ValueKind);
        Assert.Equal(3, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Equal(receiver.Requests[0].Body, r.Body));

        var stream = await (await _client.GetAsync($"/v1/ledger/streams/delivery-{failed.GetProperty("webhookId").GetString()}")).JsonAsync(200);
        Assert.Contains(stream.GetProperty("data").EnumerateArray(), e => e.GetProperty("type").GetString() == "delivery.redelivery-requested.v1");
    }

    [Fact]
    public async Task Redelivering_an_event_sends_every_settled_delivery_again()
    {
        await using var receiver = await Receiver.StartAsync();
        await _client.CreateWebhookAsync(new { url = receiver.Url("/a"), events = new[] { _type } });
        await _client.CreateWebhookAsync(new { url = receiver.Url("/b"), events = new[] { _type.Split('.')[0] + ".*" } });
        var published = await _client.PublishAsync(new { type = _type, data = new { id = "in_1" } });
        foreach (var d in published.GetProperty("deliveries").EnumerateArray())
        {
            await _client.WaitForStatusAsync(d.Id(), "delivered");
        }

        var response = await (await _client.PostAsync($"/v1/webhooks/events/{published.Id()}/redeliver", null)).JsonAsync(202);

        Assert.Equal(2, response.GetProperty("deliveries").GetArrayLength());
        await receiver.WaitForCountAsync(4);
        Assert.Equal(2, receiver.Requests.Count(r => r.Path == "/a"));
    }

    [Fact]
    public async Task Publishing_the_same_id_twice_creates_one_event()
    {
        await using var receiver = await Receiver.StartAsync();
        await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { _type } });
        var body = new { type = _type, data = new { n = 1 }, id = "evt_dedupe_" + Guid.NewGuid().ToString("N") };

        var first = await _client.PublishAsync(body);
        var second = await (await _client.PostAsJsonAsync("/v1/events", body)).JsonAsync(200);

        Assert.Equal(first.GetRawText(), second.GetRawText());
        await _client.WaitForStatusAsync(first.FirstDeliveryId(), "delivered");
        var deliveries = await (await _client.GetAsync($"/v1/webhooks/events?limit=250")).JsonAsync(200);
        Assert.Single(deliveries.GetProperty("data").EnumerateArray(), d => d.GetProperty("eventId").GetString() == body.id);
    }

    [Fact]
    public async Task The_test_endpoint_sends_a_test_event()
    {
        await using var receiver = await Receiver.StartAsync();
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { "nothing.matches" }, profile = "v2k", secret = "v2k-secret-0123456789" });

        var delivery = await (await _client.PostAsync($"/v1/webhooks/{webhook.Id()}/test", null)).JsonAsync(202);

        var request = (await receiver.WaitForCountAsync(1))[0];
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("test", body.RootElement.GetProperty("event").GetString());
        Assert.Equal("""{"test":true,"message":"This is a test webhook"}""", body.RootElement.GetProperty("data").GetRawText());
        Assert.Equal("test", request.Header("x-v2k-event"));
        await _client.WaitForStatusAsync(delivery.Id(), "delivered");
    }
}

public sealed class DeliveryTestsOnSqlite(ServerFixture<OnSqlite> fixture) : DeliveryTests<OnSqlite>(fixture);

public sealed class DeliveryTestsOnPostgres(ServerFixture<OnPostgres> fixture) : DeliveryTests<OnPostgres>(fixture);
