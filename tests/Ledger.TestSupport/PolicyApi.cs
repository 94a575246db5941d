using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Ledger.TestSupport;

/// <summary>REST calls and waits for the delivery-policy tests: webhooks, ledger streams, the breaker.</summary>
public static class PolicyApi
{
    public static async Task<JsonElement> WebhookAsync(this HttpClient client, string id) =>
        await (await client.GetAsync(new Uri($"/v1/webhooks/{id}", UriKind.Relative))).JsonAsync(200);

    public static async Task<JsonElement> PatchWebhookAsync(this HttpClient client, string id, object body) =>
        await (await client.PatchAsync(new Uri($"/v1/webhooks/{id}", UriKind.Relative), JsonContent.Create(body))).JsonAsync(200);

    public static async Task<HttpResponseMessage> ResetCircuitAsync(this HttpClient client, string id) =>
        await client.PostAsync(new Uri($"/v1/webhooks/{id}/circuit/reset", UriKind.Relative), null);

    /// <summary>The events of one ledger stream, each with its <c>data</c> as an object.</summary>
    public static async Task<IReadOnlyList<LedgerEntry>> StreamAsync(this HttpClient client, string streamId)
    {
        using var response = await client.GetAsync(new Uri($"/v1/ledger/streams/{streamId}", UriKind.Relative));
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }
        var page = await response.JsonAsync(200);
        return [.. page.GetProperty("data").EnumerateArray().Select(e => new LedgerEntry(
            e.GetProperty("type").GetString()!,
            e.GetProperty("version").GetInt64(),
            e.GetProperty("data") is { ValueKind: JsonValueKind.String } text ? JsonDocument.Parse(text.GetString()!).RootElement.Clone() : e.GetProperty("data").Clone()))];
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds of what <paramref name="read"/> returns. The server offers no
    /// signal for breaker and webhook changes over REST, so this polls (every 50 ms) until it holds or the deadline passes.
    /// </summary>
    public static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(condition);
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }
            if (cancel.IsCancellationRequested)
            {
                Assert.Fail($"{what} did not hold: {(value is JsonElement json ? json.ToString() : value?.ToString())}");
            }
            await Task.Delay(50, CancellationToken.None);
        }
    }

    public static Task<JsonElement> WaitForWebhookAsync(this HttpClient client, string id, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null) =>
        PollAsync(() => client.WebhookAsync(id), condition, what, timeout);

    public static Task<IReadOnlyList<LedgerEntry>> WaitForStreamAsync(this HttpClient client, string streamId, Func<IReadOnlyList<LedgerEntry>, bool> condition, string what, TimeSpan? timeout = null) =>
        PollAsync(() => client.StreamAsync(streamId), condition, what, timeout);
}

public sealed record LedgerEntry(string Type, long Version, JsonElement Data)
{
    public DateTimeOffset Time(string field) => Data.GetProperty(field).GetDateTimeOffset();
}
