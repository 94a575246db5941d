using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace Ledger.Server.Tests;

/// <summary>
/// Random bodies and query strings against the real server: each answer is a success, or a 4xx with the error body
/// and nothing stored; never a 5xx, never an empty error body. The run is fixed (seed and count) so that a failure
/// reproduces; <c>LEDGER_PROPERTY_COUNT</c> and <c>LEDGER_PROPERTY_SEED</c> make a longer or another run (docs/rest.md).
/// </summary>
public sealed class RestPropertyTests(RealServer fixture) : IClassFixture<RealServer>
{
    private static readonly int Count = int.TryParse(Environment.GetEnvironmentVariable("LEDGER_PROPERTY_COUNT"), CultureInfo.InvariantCulture, out var count) ? count : 300;
    private static readonly ulong Seed = ulong.TryParse(Environment.GetEnvironmentVariable("LEDGER_PROPERTY_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : 20261129;

    private readonly HttpClient _client = fixture.Server.Client();

    private static readonly Gen<string> Text = Gen.Frequency(
        (6, Gen.String[Gen.Char.AlphaNumeric, 0, 20]),
        (2, Gen.String[Gen.Char, 0, 40]),
        (1, Gen.OneOf("", " ", "\r\n", "a\u0000b", "\\ud800", "x".PadRight(300, 'x'), "évé🙂", "1\r\nX-Injected: yes", "*", "a.*", "trade.completed")));

    /// <summary>A JSON value of any kind, written as JSON text; strings may carry raw escapes such as a lone surrogate.</summary>
    private static readonly Gen<string> Value = Gen.Frequency(
        (4, Text.Select(JsonString)),
        (1, Gen.OneOf("\"\\ud800\"", "\"a\\udc00\"", "\"\\u0000\"")),
        (2, Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("1.5", "-0", "1e400", "99999999999999999999", "-1", "0")),
        (1, Gen.OneOf("true", "false", "null")),
        (1, Gen.OneOf("[]", "{}", "[1,\"a\",null]", "{\"a\":{\"b\":[1]}}", "[\"a\",null]", "{\"k\":1}", "{\"k\":\"v\"}")));

    private static readonly Gen<string?> Absent = Gen.Const((string?)null);

    private static readonly string[] WebhookFields = ["url", "events", "description", "profile", "secret", "active", "isActive", "ordering", "retrySchedule", "maxAttemptAgeSeconds", "rateLimitPerMinute", "filters", "metadata", "unknownField"];
    private static readonly string[] EventFields = ["type", "data", "id", "apiVersion", "metadata", "orderingKey", "unknownField"];

    private static readonly Gen<string> Url = Gen.OneOf("\"http://127.0.0.1:9/p\"", "\"http://[::1]:9/p\"", "\"not a url\"", "\"ftp://127.0.0.1/x\"", "\"http://127.0.0.1:0/x\"", "\"http://127.0.0.1:9/a b\"", "5", "null");

    private static Gen<string> Body(string[] fields, Func<string, Gen<string>> valueOf) =>
        Gen.Frequency(
            (12, Sequence(fields.Select(f => Gen.Frequency((1, Absent), (1, valueOf(f).Select(v => (string?)$"{JsonString(f)}:{v}")))))
                .Select(parts => "{" + string.Join(",", parts.Where(p => p is not null)) + "}")),
            (1, Gen.OneOf("", "{", "[]", "\"text\"", "null", "{\"type\":\"a\",\"data\":{}", "{\"a\":1,}", new string('[', 100) + new string(']', 100))));

    private static Gen<List<T>> Sequence<T>(IEnumerable<Gen<T>> gens) =>
        gens.Aggregate(Gen.Const(new List<T>()), (acc, g) => acc.SelectMany(list => g.Select(v => new List<T>(list) { v })));

    private static readonly Gen<string> EventBody = Body(EventFields, field => field switch
    {
        "type" => Gen.Frequency((3, Gen.OneOf("\"prop.test\"", "\"prop.other:v1\"")), (2, Value)),
        "data" => Gen.Frequency((3, Gen.OneOf("{}", "{\"a\":1}", "[1,2]")), (2, Value)),
        _ => Value,
    });

    private static readonly Gen<string> WebhookBody = Body(WebhookFields, field => field switch
    {
        "url" => Url,
        "retrySchedule" => Gen.Frequency((2, Gen.OneOf("[]", "[1]", "[0,5]", "[-1]", "[1.5]")), (1, Value)),
        "events" => Gen.Frequency((2, Gen.OneOf("[\"prop.*\"]", "[\"*\"]", "[]", "[\"bad pattern*\"]")), (1, Value)),
        _ => Value,
    });

    private static readonly string[] Lists = ["/v1/webhooks", "/v1/webhooks/events", "/v1/ledger/streams/tenant-default", "/v1/webhooks/wh_x/deliveries"];

    private static readonly Gen<string> QueryValue = Gen.Frequency(
        (3, Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (2, Gen.OneOf("abc", "1.5", "99999999999", "99999999999999999999999", "-1", "0", "", "%00", "%ED%A0%80", "pending,failed", "sideways", "bm90IGEgY3Vyc29y")),
        (1, Text.Select(Uri.EscapeDataString)));

    private static readonly string[] QueryNames = ["limit", "cursor", "status", "fromVersion", "webhookId", "type"];

    private static readonly Gen<string> Query = Gen.Select(
        Gen.OneOf(Lists),
        Sequence(QueryNames.Select(n => Gen.Frequency((2, Absent), (1, QueryValue.Select(v => (string?)$"{n}={v}"))))))
        .Select((path, parts) => path + "?" + string.Join("&", parts.Where(p => p is not null)));

    private static string JsonString(string text) => JsonSerializer.Serialize(text);

    private async Task<int> LedgerLengthAsync()
    {
        var response = await _client.GetAsync(new Uri("/v1/ledger/streams/tenant-default?limit=10000", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.NotFound ? 0 : (await response.JsonAsync(200)).GetProperty("data").GetArrayLength();
    }

    private async Task<string?> AnswerProblemAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            return $"{status}: {text}";
        }
        if (status < 400)
        {
            return null;
        }
        try
        {
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            return string.IsNullOrWhiteSpace(error.GetProperty("code").GetString()) || string.IsNullOrWhiteSpace(error.GetProperty("message").GetString())
                ? $"{status} without a code and message: {text}"
                : null;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"{status} without the error body: '{text}'";
        }
    }

    private async Task CheckAsync(Func<Task<HttpResponseMessage>> send, string input)
    {
        var before = await LedgerLengthAsync();
        using var response = await send();
        var problem = await AnswerProblemAsync(response);
        Assert.True(problem is null, $"{input} → {problem}");
        if ((int)response.StatusCode >= 400)
        {
            Assert.True(before == await LedgerLengthAsync(), $"{input} was refused ({(int)response.StatusCode}) but the ledger changed");
        }
    }

    private static IEnumerable<T> Sample<T>(Gen<T> gen, int salt)
    {
        var pcg = new PCG(1, Seed + (ulong)salt);
        for (var i = 0; i < Count; i++)
        {
            yield return gen.Generate(pcg, null, out _);
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Random_event_bodies_succeed_or_are_refused_with_the_error_body()
    {
        foreach (var body in Sample(EventBody, 1))
        {
            await CheckAsync(() => _client.PostAsync(new Uri("/v1/events", UriKind.Relative), Json(body)), "POST /v1/events " + body);
        }
    }

    [Fact]
    public async Task Random_webhook_bodies_succeed_or_are_refused_with_the_error_body()
    {
        var existing = (await _client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/prop", retrySchedule = Array.Empty<int>() })).Id();
        foreach (var (body, patch) in Sample(Gen.Select(WebhookBody, Gen.Bool), 2))
        {
            await CheckAsync(
                () => patch
                    ? _client.PatchAsync(new Uri($"/v1/webhooks/{existing}", UriKind.Relative), Json(body))
                    : _client.PostAsync(new Uri("/v1/webhooks", UriKind.Relative), Json(body)),
                (patch ? "PATCH " : "POST ") + body);
        }
    }

    [Fact]
    public async Task Random_query_strings_succeed_or_are_refused_with_the_error_body()
    {
        foreach (var query in Sample(Query, 3))
        {
            await CheckAsync(() => _client.GetAsync(new Uri(query, UriKind.Relative)), "GET " + query);
        }
    }
}
