using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ledger.EndToEnd.Tests;

/// <summary>Bad input gets the documented status and error code, and the ledger is unchanged.</summary>
public abstract class ValidationTests<TStorage>(ServerFixture<TStorage> fixture) : IClassFixture<ServerFixture<TStorage>>
    where TStorage : IStorageChoice
{
    private readonly HttpClient _client = fixture.Server.Client();

    private async Task<int> LedgerLengthAsync()
    {
        var response = await _client.GetAsync("/v1/ledger/streams/tenant-default?limit=10000");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return 0;
        }
        return (await response.JsonAsync(200)).GetProperty("data").GetArrayLength();
    }

    private async Task AssertRefusedAsync(Func<Task<HttpResponseMessage>> send, int status, string code, string? field = null)
    {
        var before = await LedgerLengthAsync();
        var response = await send();
        var error = (await response.JsonAsync(status)).GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        if (field is not null)
        {
            Assert.Equal(field, error.GetProperty("field").GetString());
        }
        Assert.Equal(before, await LedgerLengthAsync());
    }

    private Task<HttpResponseMessage> PostJson(string path, string json) =>
        _client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    [Theory]
    [InlineData("""{"url":"not a url"}""", "url")]
    [InlineData("""{"url":"ftp://example.com/hook"}""", "url")]
    [InlineData("""{}""", "url")]
    [InlineData("""{"url":"https://example.com/h","events":["bad pattern*"]}""", "events")]
    [InlineData("""{"url":"https://example.com/h","profile":"nope"}""", "profile")]
    [InlineData("""{"url":"https://example.com/h","secret":"whsec_notbase64!!"}""", "secret")]
    [InlineData("""{"url":"https://example.com/h","retrySchedule":[-1]}""", "retrySchedule")]
    [InlineData("""{"url":"https://example.com/h","ordering":"sideways"}""", "ordering")]
    [InlineData("""{"url":5}""", "url")]
    public Task Invalid_webhooks_are_refused(string body, string field) =>
        AssertRefusedAsync(() => PostJson("/v1/webhooks", body), 400, "VALIDATION_FAILED", field);

    [Theory]
    [InlineData("""{"data":{}}""", "type")]
    [InlineData("""{"type":"trade.completed"}""", "data")]
    [InlineData("""{"type":"has space","data":{}}""", "type")]
    [InlineData("""{"type":"t","data":{},"orderingKey":"a/b"}""", "orderingKey")]
    [InlineData("""{"type":"t","data":{},"metadata":{"k":1}}""", "metadata")]
    [InlineData("""{"type":"t","data":{},"metadata":{"bad key":"v"}}""", "metadata")]
    public Task Invalid_events_are_refused(string body, string field) =>
        AssertRefusedAsync(() => PostJson("/v1/events", body), 400, "VALIDATION_FAILED", field);

    [Fact]
    public Task Eleven_metadata_keys_are_refused()
    {
        var metadata = Enumerable.Range(0, 11).ToDictionary(i => $"key{i}", i => "v");
        return AssertRefusedAsync(() => _client.PostAsJsonAsync("/v1/events", new { type = "t", data = new { }, metadata }), 400, "VALIDATION_FAILED", "metadata");
    }

    [Fact]
    public Task Malformed_json_is_refused() =>
        AssertRefusedAsync(() => PostJson("/v1/events", """{"type":"t","data":{"""), 400, "VALIDATION_FAILED");

    [Fact]
    public Task A_body_over_256_KiB_is_refused()
    {
        var big = new string('x', 300 * 1024);
        return AssertRefusedAsync(() => _client.PostAsJsonAsync("/v1/events", new { type = "t", data = new { big } }), 413, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task A_missing_or_unknown_key_is_unauthenticated()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        var error = (await (await anonymous.GetAsync("/v1/webhooks")).JsonAsync(401)).GetProperty("error");
        Assert.Equal("UNAUTHENTICATED", error.GetProperty("code").GetString());

        using var wrong = fixture.Server.Client("not-a-real-key-at-all");
        await (await wrong.GetAsync("/v1/webhooks")).JsonAsync(401);
    }

    [Fact]
    public async Task Unknown_ids_and_other_tenants_ids_are_not_found()
    {
        var webhook = await _client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/hook" });
        using var other = fixture.Server.Client(LedgerServer.OtherTenantKey);

        await AssertRefusedAsync(() => other.GetAsync($"/v1/webhooks/{webhook.Id()}"), 404, "NOT_FOUND");
        await AssertRefusedAsync(() => other.PatchAsJsonAsync($"/v1/webhooks/{webhook.Id()}", new { active = false }), 404, "NOT_FOUND");
        await AssertRefusedAsync(() => other.DeleteAsync($"/v1/webhooks/{webhook.Id()}"), 404, "NOT_FOUND");
        await AssertRefusedAsync(() => other.GetAsync($"/v1/ledger/streams/tenant-default"), 404, "NOT_FOUND");
        await AssertRefusedAsync(() => other.GetAsync($"/v1/ledger/streams/delivery-{webhook.Id()}"), 404, "NOT_FOUND");
        await AssertRefusedAsync(() => _client.GetAsync("/v1/webhooks/wh_doesnotexist"), 404, "NOT_FOUND");
        await AssertRefusedAsync(() => _client.GetAsync("/v1/deliveries/dlv_doesnotexist"), 404, "NOT_FOUND");
        await AssertRefusedAsync(() => _client.PostAsync("/v1/deliveries/dlv_doesnotexist/redeliver", null), 404, "NOT_FOUND");
        Assert.Equal(0, (await (await other.GetAsync("/v1/webhooks")).JsonAsync(200)).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Secrets_show_only_on_create_and_rotate()
    {
        var created = await _client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/secret" });
        var secret = created.GetProperty("secret").GetString()!;

        var fetched = await (await _client.GetAsync($"/v1/webhooks/{created.Id()}")).JsonAsync(200);
        var ledger = await (await _client.GetAsync("/v1/ledger/streams/tenant-default?limit=10000")).Content.ReadAsStringAsync();
        var rotated = await (await _client.PostAsync($"/v1/webhooks/{created.Id()}/rotate-secret", null)).JsonAsync(200);

        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.False(fetched.TryGetProperty("secret", out _));
        Assert.DoesNotContain(secret, ledger, StringComparison.Ordinal);
        Assert.NotEqual(secret, rotated.GetProperty("secret").GetString());
    }
}

public sealed class ValidationTestsOnSqlite(ServerFixture<OnSqlite> fixture) : ValidationTests<OnSqlite>(fixture);

public sealed class ValidationTestsOnPostgres(ServerFixture<OnPostgres> fixture) : ValidationTests<OnPostgres>(fixture);

public abstract class DestinationAndLimitTests<TStorage>(GuardedServerFixture<TStorage> fixture) : IClassFixture<GuardedServerFixture<TStorage>>
    where TStorage : IStorageChoice
{
    [Theory]
    [InlineData("http://127.0.0.1:9/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/hook")]
    public async Task Private_destinations_are_blocked(string url)
    {
        using var client = fixture.Server.Client();
        var error = (await (await client.PostAsJsonAsync("/v1/webhooks", new { url })).JsonAsync(400)).GetProperty("error");

        Assert.Equal("BLOCKED_DESTINATION", error.GetProperty("code").GetString());
        Assert.Equal("url", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_tenant_past_its_webhook_limit_is_refused()
    {
        using var client = fixture.Server.Client(LedgerServer.OtherTenantKey);
        await client.CreateWebhookAsync(new { url = "https://93.184.216.34/1" });
        await client.CreateWebhookAsync(new { url = "https://93.184.216.34/2" });

        var error = (await (await client.PostAsJsonAsync("/v1/webhooks", new { url = "https://93.184.216.34/3" })).JsonAsync(409)).GetProperty("error");

        Assert.Equal("LIMIT_EXCEEDED", error.GetProperty("code").GetString());
        Assert.Equal(2, (await (await client.GetAsync("/v1/webhooks")).JsonAsync(200)).GetProperty("data").GetArrayLength());
    }
}

public sealed class DestinationAndLimitTestsOnSqlite(GuardedServerFixture<OnSqlite> fixture) : DestinationAndLimitTests<OnSqlite>(fixture);

public sealed class DestinationAndLimitTestsOnPostgres(GuardedServerFixture<OnPostgres> fixture) : DestinationAndLimitTests<OnPostgres>(fixture);
