using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using OpenTelemetry.Trace;

namespace Ledger.Server.Tests;

/// <summary>Traces from publish to attempt, seen by an in-memory exporter and by a real receiver on loopback.</summary>
public sealed class TracingTests : IAsyncLifetime
{
    private const string Key = "tracing_tests_key_0123456789";

    private readonly TempDirectory _directory = new("ledger-tracing-tests");
    private readonly List<Activity> _exported = [];
    private WebApplicationFactory<Program> _factory = null!;
    private Receiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await Receiver.StartAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Production");
            host.UseSetting("Ledger:Storage:Sqlite:Path", _directory.File("ledger.db"));
            host.UseSetting("Ledger:Delivery:AllowPrivateNetworks", "true");
            host.UseSetting("LEDGER_BOOTSTRAP_API_KEY", "default:" + Key);
            host.ConfigureTestServices(services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(_exported)));
        });
    }

    [Fact]
    public async Task An_attempt_span_links_to_its_publish_and_the_receiver_gets_its_traceparent()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        await client.CreateWebhookAsync(new { url = _receiver.Url(), events = new[] { "order.created" } });

        var published = await client.PublishAsync(new { type = "order.created", data = new { id = 7 } });
        var deliveryId = published.FirstDeliveryId();
        var received = Assert.Single(await _receiver.WaitForCountAsync(1));
        await client.WaitForStatusAsync(deliveryId, "delivered");

        var spans = Snapshot();
        var publish = Assert.Single(spans, s => s.OperationName == "ledger.publish" && Tag(s, "ledger.event.id") == published.Id());
        var attempt = Assert.Single(spans, s => s.OperationName == "ledger.attempt" && Tag(s, "ledger.delivery.id") == deliveryId);
        var link = Assert.Single(attempt.Links);
        Assert.Equal(publish.TraceId, link.Context.TraceId);
        Assert.Equal(publish.SpanId, link.Context.SpanId);
        Assert.NotEqual(publish.TraceId, attempt.TraceId);
        Assert.Equal($"00-{attempt.TraceId.ToHexString()}-{attempt.SpanId.ToHexString()}-01", received.Header("traceparent"));
        Assert.Equal("200", Tag(attempt, "http.response.status_code"));
        Assert.Contains(spans, s => s.OperationName == "eventstore.append" && s.TraceId == publish.TraceId);
    }

    [Fact]
    public async Task A_failed_attempt_span_has_error_status_and_each_retry_its_own_traceparent()
    {
        _receiver.Handler = _ => Task.FromResult(Results.StatusCode(500));
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        await client.CreateWebhookAsync(new { url = _receiver.Url(), events = new[] { "order.created" }, retrySchedule = new[] { 0 } });

        var published = await client.PublishAsync(new { type = "order.created", data = new { id = 8 } });
        var received = await _receiver.WaitForCountAsync(2);
        await client.WaitForStatusAsync(published.FirstDeliveryId(), "failed");

        var attempts = Snapshot().Where(s => s.OperationName == "ledger.attempt").ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(ActivityStatusCode.Error, a.Status));
        Assert.Equal(
            attempts.Select(a => $"00-{a.TraceId.ToHexString()}-{a.SpanId.ToHexString()}-01").Order(StringComparer.Ordinal),
            received.Take(2).Select(r => r.Header("traceparent")!).Order(StringComparer.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _receiver.DisposeAsync();
        _directory.Dispose();
    }

    private List<Activity> Snapshot()
    {
        lock (_exported)
        {
            return [.. _exported];
        }
    }

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name)?.ToString();
}
