using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Ledger.TestSupport;

/// <summary>Calls on the REST API that tests share.</summary>
public static class Api
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, int expectedStatus)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> CreateWebhookAsync(this HttpClient client, object body) =>
        await (await client.PostAsJsonAsync("/v1/webhooks", body)).JsonAsync(201);

    public static async Task<JsonElement> PublishAsync(this HttpClient client, object body) =>
        await (await client.PostAsJsonAsync("/v1/events", body)).JsonAsync(202);

    public static async Task<JsonElement> DeliveryAsync(this HttpClient client, string id) =>
        await (await client.GetAsync(new Uri($"/v1/deliveries/{id}", UriKind.Relative))).JsonAsync(200);

    /// <summary>
    /// Waits for the delivery to reach a status. The server offers no signal for it over REST, so this polls the
    /// delivery (every 50 ms) until it holds or the deadline passes.
    /// </summary>
    public static async Task<JsonElement> WaitForStatusAsync(this HttpClient client, string deliveryId, string status, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var delivery = await client.DeliveryAsync(deliveryId);
            if (delivery.GetProperty("status").GetString() == status)
            {
                return delivery;
            }
            if (cancel.IsCancellationRequested)
            {
                Assert.Fail($"delivery {deliveryId} did not become {status}: {delivery}");
            }
            await Task.Delay(50, cancel.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public static string Id(this JsonElement element) => element.GetProperty("id").GetString()!;

    public static string FirstDeliveryId(this JsonElement published) => published.GetProperty("deliveries")[0].Id();
}
