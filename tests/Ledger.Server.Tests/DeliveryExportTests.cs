using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.Server.Tests;

/// <summary>
/// A real server with two tenants: tenant A (<c>default</c>) has a webhook on a receiver that answers 200 and one on a
/// port that refuses connections (two attempts each), and events whose ordering keys start like spreadsheet formulas;
/// tenant B (<c>other</c>) has a webhook and an event of its own.
/// </summary>
public sealed class DeliveryExportFixture : IAsyncLifetime
{
    public static readonly string[] FormulaKeys = ["=1+2", "@cmd", "+1", "-1"];

    public LedgerServer Server { get; private set; } = null!;

    public Receiver Receiver { get; private set; } = null!;

    public string Accepting { get; private set; } = null!;

    public string Refusing { get; private set; } = null!;

    public string OtherWebhook { get; private set; } = null!;

    public List<string> TenantADeliveries { get; } = [];

    public string OtherDelivery { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await Receiver.StartAsync();
        Server = await LedgerServer.StartAsync(new Dictionary<string, string> { ["Ledger__Delivery__Breaker__FailureThreshold"] = "1000" });
        using var a = Server.Client();
        Accepting = (await a.CreateWebhookAsync(new { url = Receiver.Url("/ok"), events = new[] { "order.*" } })).Id();
        Refusing = (await a.CreateWebhookAsync(new { url = "http://127.0.0.1:9/refused", events = new[] { "order.*" }, retrySchedule = new[] { 0 } })).Id();
        foreach (var key in FormulaKeys.Append(null))
        {
            var published = await a.PublishAsync(new { type = "order.created", data = new { note = "=SUM(A1:A9)", text = "line,\"two\"\nthree" }, orderingKey = key });
            TenantADeliveries.AddRange(published.GetProperty("deliveries").EnumerateArray().Select(d => d.Id()));
        }
        foreach (var delivery in TenantADeliveries)
        {
            var body = await a.DeliveryAsync(delivery);
            await a.WaitForStatusAsync(delivery, body.GetProperty("webhookId").GetString() == Accepting ? "delivered" : "failed");
        }

        using var b = Server.Client(LedgerServer.OtherTenantKey);
        OtherWebhook = (await b.CreateWebhookAsync(new { url = Receiver.Url("/other"), events = new[] { "order.*" } })).Id();
        OtherDelivery = (await b.PublishAsync(new { type = "order.created", data = new { tenant = "b" } })).FirstDeliveryId();
        await b.WaitForStatusAsync(OtherDelivery, "delivered");
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }
    }

    /// <summary>A client with no credential at all: what a browser following a download URL is.</summary>
    public HttpClient Anonymous() => new() { BaseAddress = Server.BaseAddress };
}

/// <summary>The deliveries and attempts exports (docs/audit.md), read back by CSV parsers, and the download URLs GraphQL hands out (§8).</summary>
public sealed class DeliveryExportTests(DeliveryExportFixture fixture) : IClassFixture<DeliveryExportFixture>
{
    private static async Task<string> GetTextAsync(HttpClient client, string url, string contentType)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {text}");
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("attachment; filename=", response.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        return text;
    }

    private static string? Text(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.ToString();

    private static async Task<JsonElement> GraphQLAsync(HttpClient client, string query)
    {
        using var response = await client.PostAsJsonAsync("/graphql", new { query });
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Deliveries_csv_read_back_by_a_csv_parser_equals_the_api_list()
    {
        using var client = fixture.Server.Client();
        var csv = await GetTextAsync(client, "/v1/exports/deliveries?format=csv", "text/csv");
        var listed = (await (await client.GetAsync(new Uri("/v1/webhooks/events?limit=250", UriKind.Relative))).JsonAsync(200)).GetProperty("data").EnumerateArray().ToList();

        var rows = CsvText.Read(csv);
        Assert.Equal(fixture.TenantADeliveries.Order(StringComparer.Ordinal), rows.Select(r => r["deliveryId"]).Order(StringComparer.Ordinal));
        Assert.Equal(listed.Count, rows.Count);
        foreach (var (row, api) in rows.Zip(listed))
        {
            Assert.Equal(api.Id(), row["deliveryId"]);
            Assert.Equal(api.GetProperty("webhookId").GetString(), row["webhookId"]);
            Assert.Equal(api.GetProperty("eventId").GetString(), row["eventId"]);
            Assert.Equal(api.GetProperty("type").GetString(), row["eventType"]);
            Assert.Equal(api.GetProperty("status").GetString(), row["status"]);
            Assert.Equal(api.GetProperty("attempts").GetInt32(), int.Parse(row["attempts"], CultureInfo.InvariantCulture));
            Assert.Equal(Text(api.GetProperty("lastStatusCode")) ?? "", row["lastStatusCode"]);
            Assert.Equal(Text(api.GetProperty("lastFailureCode")) ?? "", row["lastFailureCode"]);
            Assert.Equal(api.GetProperty("createdAt").GetString(), row["createdAt"]);
            Assert.Equal(api.GetProperty("lastAttemptedAt").GetString(), row["lastAttemptedAt"]);
        }
        Assert.Contains(rows, r => r["status"] == "delivered" && r["lastStatusCode"] == "200" && r["webhookId"] == fixture.Accepting);
        Assert.Contains(rows, r => r["status"] == "failed" && r["lastFailureCode"] == "CONNECTION_FAILED" && r["attempts"] == "2");
        Assert.DoesNotContain("whsec_", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Python_csv_module_reads_the_same_records()
    {
        using var client = fixture.Server.Client();
        var csv = await GetTextAsync(client, "/v1/exports/attempts", "text/csv");
        using var directory = new TempDirectory("delivery-export");
        var path = directory.File("attempts.csv");
        await File.WriteAllTextAsync(path, csv);
        var run = await NodeScripts.RunProgramToExitAsync(
            "python3", ["-c", "import csv,json,sys; print(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))))", path], "", "install Python 3");
        Assert.True(run.ExitCode == 0, run.Errors);

        var python = JsonSerializer.Deserialize<List<Dictionary<string, string>>>(run.Output)!;
        Assert.Equal(CsvText.Read(csv), python);
    }

    [Fact]
    public async Task Cells_that_could_run_as_formulas_are_prefixed_in_csv_and_kept_in_jsonl()
    {
        using var client = fixture.Server.Client();
        var csvKeys = CsvText.Read(await GetTextAsync(client, $"/v1/exports/deliveries?webhookId={fixture.Accepting}", "text/csv")).Select(r => r["orderingKey"]).ToList();
        var jsonl = await GetTextAsync(client, $"/v1/exports/deliveries?webhookId={fixture.Accepting}&format=jsonl", "application/x-ndjson");
        var jsonKeys = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Text(JsonDocument.Parse(l).RootElement.GetProperty("orderingKey"))).ToList();

        Assert.Equal(DeliveryExportFixture.FormulaKeys.Select(k => "'" + k).Append("").Order(StringComparer.Ordinal), csvKeys.Order(StringComparer.Ordinal));
        Assert.Equal(DeliveryExportFixture.FormulaKeys.Append(null).Order(StringComparer.Ordinal), jsonKeys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Attempts_export_has_one_row_per_attempt_as_the_delivery_shows_it()
    {
        using var client = fixture.Server.Client();
        var rows = CsvText.Read(await GetTextAsync(client, "/v1/exports/attempts?status=failed,delivered", "text/csv"));

        var expected = 0;
        foreach (var id in fixture.TenantADeliveries)
        {
            var attempts = (await client.DeliveryAsync(id)).GetProperty("attemptLog").EnumerateArray().ToList();
            var exported = rows.Where(r => r["deliveryId"] == id).OrderBy(r => int.Parse(r["attemptNumber"], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(attempts.Count, exported.Count);
            foreach (var (attempt, row) in attempts.Zip(exported))
            {
                Assert.Equal(attempt.GetProperty("number").GetInt32().ToString(CultureInfo.InvariantCulture), row["attemptNumber"]);
                Assert.Equal(Text(attempt.GetProperty("statusCode")) ?? "", row["statusCode"]);
                Assert.Equal(Text(attempt.GetProperty("failureCode")) ?? "", row["failureCode"]);
                Assert.Equal(attempt.GetProperty("durationMs").GetInt32().ToString(CultureInfo.InvariantCulture), row["durationMs"]);
                Assert.Equal(attempt.GetProperty("startedAt").GetString(), row["startedAt"]);
            }
            expected += attempts.Count;
        }
        Assert.Equal(expected, rows.Count);
        Assert.Empty(CsvText.Read(await GetTextAsync(client, "/v1/exports/attempts?status=pending", "text/csv")));
        Assert.Empty(CsvText.Read(await GetTextAsync(client, "/v1/exports/attempts?since=2999-01-01T00:00:00Z", "text/csv")));
    }

    [Fact]
    public async Task Tenant_b_exports_and_download_urls_never_hold_tenant_a_data()
    {
        using var b = fixture.Server.Client(LedgerServer.OtherTenantKey);
        using var anonymous = fixture.Anonymous();
        var texts = new List<string>
        {
            await GetTextAsync(b, "/v1/exports/deliveries", "text/csv"),
            await GetTextAsync(b, "/v1/exports/attempts?format=jsonl", "application/x-ndjson"),
            await GetTextAsync(b, "/v1/exports/ledger", "application/x-ndjson"),
            await GetTextAsync(b, $"/v1/exports/deliveries?webhookId={fixture.Accepting}", "text/csv"),
        };
        foreach (var mutation in new[] { "exportDeliveries", "exportAttempts", "exportLedger" })
        {
            var data = await GraphQLAsync(b, $"mutation {{ {mutation} {{ url expiresAt }} }}");
            var url = data.GetProperty("data").GetProperty(mutation).GetProperty("url").GetString()!;
            Assert.StartsWith("/v1/exports/download/", url, StringComparison.Ordinal);
            texts.Add(await GetTextAsync(anonymous, url, mutation == "exportLedger" ? "application/x-ndjson" : "text/csv"));
        }

        Assert.Contains(fixture.OtherDelivery, texts[0], StringComparison.Ordinal);
        Assert.Contains(fixture.OtherDelivery, texts[4], StringComparison.Ordinal);
        Assert.Empty(CsvText.Read(texts[3]));
        foreach (var text in texts)
        {
            Assert.DoesNotContain(fixture.Accepting, text, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Refusing, text, StringComparison.Ordinal);
            Assert.All(fixture.TenantADeliveries, d => Assert.DoesNotContain(d, text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Download_url_needs_no_credential_and_matches_the_rest_export()
    {
        using var client = fixture.Server.Client();
        var data = await GraphQLAsync(client, $"mutation {{ exportDeliveries(input: {{ format: JSONL, webhookId: \"{fixture.Refusing}\", status: [FAILED] }}) {{ url expiresAt kind format }} }}");
        var download = data.GetProperty("data").GetProperty("exportDeliveries");
        Assert.Equal(("DELIVERIES", "JSONL"), (download.GetProperty("kind").GetString(), download.GetProperty("format").GetString()));
        Assert.InRange(download.GetProperty("expiresAt").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(6));

        using var anonymous = fixture.Anonymous();
        var downloaded = await GetTextAsync(anonymous, download.GetProperty("url").GetString()!, "application/x-ndjson");
        var direct = await GetTextAsync(client, $"/v1/exports/deliveries?format=jsonl&webhookId={fixture.Refusing}&status=failed", "application/x-ndjson");
        Assert.Equal(direct, downloaded);
        Assert.Equal(DeliveryExportFixture.FormulaKeys.Length + 1, downloaded.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData("/v1/exports/download/not-a-token")]
    [InlineData("/v1/exports/download/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Unknown_download_token_is_404_with_the_error_body(string url)
    {
        using var anonymous = fixture.Anonymous();
        using var response = await anonymous.GetAsync(new Uri(url, UriKind.Relative));
        var error = (await response.JsonAsync(404)).GetProperty("error");
        Assert.Equal("NOT_FOUND", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/v1/exports/deliveries?format=xml", "format")]
    [InlineData("/v1/exports/attempts?format=CSV2", "format")]
    [InlineData("/v1/exports/deliveries?since=yesterday", "since")]
    [InlineData("/v1/exports/attempts?until=2026-13-45", "until")]
    [InlineData("/v1/exports/deliveries?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until")]
    [InlineData("/v1/exports/deliveries?status=lost", "status")]
    [InlineData("/v1/exports/attempts?webhookId=wh%20x", "webhookId")]
    [InlineData("/v1/exports/ledger?format=csv", "format")]
    public async Task Bad_filters_and_formats_answer_400_with_the_error_body(string url, string field)
    {
        using var client = fixture.Server.Client();
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        var error = (await response.JsonAsync(StatusCodes.Status400BadRequest)).GetProperty("error");
        Assert.Equal(("VALIDATION_FAILED", field), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task Bad_graphql_export_arguments_are_validation_errors()
    {
        using var client = fixture.Server.Client();
        var body = await GraphQLAsync(client, "mutation { exportDeliveries(input: { since: \"2026-02-01T00:00:00Z\", until: \"2026-01-01T00:00:00Z\" }) { url } }");
        Assert.Equal("VALIDATION_FAILED", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        body = await GraphQLAsync(client, "mutation { exportLedger(input: { from: \"soon\" }) { url } }");
        Assert.Equal("VALIDATION_FAILED", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }
}
