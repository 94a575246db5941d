namespace Ledger.Server.Tests;

/// <summary><c>/metrics</c> is Prometheus text with every metric name docs/rest.md lists.</summary>
public sealed class MetricsTests(InProcessServer server) : IClassFixture<InProcessServer>
{
    public static readonly TheoryData<string> DocumentedNames = new()
    {
        "ledger_deliveries_total",
        "ledger_attempts_total",
        "ledger_attempt_duration_seconds",
        "ledger_queue_depth",
        "ledger_attempts_in_flight",
        "ledger_projection_position",
    };

    [Theory]
    [MemberData(nameof(DocumentedNames))]
    public async Task The_scrape_has_each_documented_metric(string name)
    {
        using var client = server.Client();
        client.DefaultRequestHeaders.Authorization = null;

        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Contains($"# TYPE {name} ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_scrape_shows_the_ledger_meter_once_and_no_other_meters()
    {
        using var client = server.Client();
        client.DefaultRequestHeaders.Authorization = null;
        await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        var names = (await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)))
            .Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();

        Assert.Contains("ledger_queue_depth", names);
        Assert.DoesNotContain(names, n => n.StartsWith("ledger_ledger_", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.Contains("kestrel", StringComparison.Ordinal) || n.Contains("http_server", StringComparison.Ordinal) || n.Contains("quic", StringComparison.Ordinal));
    }
}

/// <summary><c>Ledger:Metrics:RequireApiKey</c> puts <c>/metrics</c> behind an API key.</summary>
public sealed class MetricsExposureTests
{
    [Fact]
    public async Task With_require_api_key_metrics_answer_401_without_a_key_and_200_with_one()
    {
        await using var server = await LedgerServer.StartAsync(new Dictionary<string, string> { ["Ledger__Metrics__RequireApiKey"] = "true" });
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        using var client = server.Client();

        var error = (await (await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative))).JsonAsync(401)).GetProperty("error");
        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal("UNAUTHENTICATED", error.GetProperty("code").GetString());
        Assert.Contains("ledger_queue_depth", text, StringComparison.Ordinal);
    }
}
