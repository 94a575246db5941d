using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.Server.Tests;

/// <summary>
/// With the JSON console formatter, each attempt's log entry carries the delivery, event and webhook ids as fields,
/// so a log pipeline can find every line of one delivery without parsing messages.
/// </summary>
public sealed class StructuredLogTests
{
    [Fact]
    public async Task A_failed_attempt_is_logged_with_its_ids_as_fields()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Handler = _ => Task.FromResult(Results.StatusCode(503));
        await using var server = await LedgerServer.StartAsync(new Dictionary<string, string>
        {
            ["Logging__Console__FormatterName"] = "json",
            ["Logging__LogLevel__Ledger.Dispatcher"] = "Information",
        });
        using var client = server.Client();
        var webhook = (await client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { "logged.*" }, retrySchedule = Array.Empty<int>() })).Id();

        var published = await client.PublishAsync(new { type = "logged.once", data = new { n = 1 } });
        var deliveryId = published.FirstDeliveryId();
        var line = await server.WaitForOutputLineAsync(l => l.StartsWith('{') && l.Contains(deliveryId, StringComparison.Ordinal) && l.Contains("\"FailureCode\"", StringComparison.Ordinal));

        var state = JsonDocument.Parse(line).RootElement.GetProperty("State");
        Assert.Equal(deliveryId, state.GetProperty("DeliveryId").GetString());
        Assert.Equal(published.Id(), state.GetProperty("EventId").GetString());
        Assert.Equal(webhook, state.GetProperty("WebhookId").GetString());
        Assert.Equal("HTTP_STATUS", state.GetProperty("FailureCode").GetString());
        Assert.Equal(503, state.GetProperty("StatusCode").GetInt32());
    }
}
