using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Client.Publishing;

/// <summary>
/// Ledger's REST API for publishers. Give it an <see cref="HttpClient"/> whose <c>BaseAddress</c> is the server
/// (e.g. <c>http://127.0.0.1:5080/</c>) and an API key. Refusals throw <see cref="LedgerApiException"/> with the
/// contract's error code; <c>429</c> and <c>503</c> are retried, honouring <c>Retry-After</c>.
/// </summary>
public sealed class LedgerClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;
    private readonly string _apiKey;
    private readonly LedgerClientOptions _options;

    public LedgerClient(HttpClient http, string apiKey, LedgerClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        _http = http;
        _apiKey = apiKey;
        _options = options ?? new LedgerClientOptions();
    }

    /// <summary>Publishes an event; the answer names the delivery made for each subscribed webhook.</summary>
    public Task<PublishedEvent> PublishAsync(PublishEvent request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var withId = request.Id is null ? request with { Id = _options.NewEventId() } : request;
        return SendAsync<PublishedEvent>(HttpMethod.Post, "v1/events", withId, cancellationToken);
    }

    public Task<Webhook> CreateWebhookAsync(WebhookSettings settings, CancellationToken cancellationToken = default) =>
        SendAsync<Webhook>(HttpMethod.Post, "v1/webhooks", settings, cancellationToken);

    public Task<Webhook> GetWebhookAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<Webhook>(HttpMethod.Get, $"v1/webhooks/{Escape(id)}", null, cancellationToken);

    public Task<Page<Webhook>> ListWebhooksAsync(int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        SendAsync<Page<Webhook>>(HttpMethod.Get, "v1/webhooks" + Query(("limit", limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)), null, cancellationToken);

    public Task<Webhook> UpdateWebhookAsync(string id, WebhookSettings changes, CancellationToken cancellationToken = default) =>
        SendAsync<Webhook>(HttpMethod.Patch, $"v1/webhooks/{Escape(id)}", changes, cancellationToken);

    public Task DeleteWebhookAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(HttpMethod.Delete, $"v1/webhooks/{Escape(id)}", null, cancellationToken);

    /// <summary>A new signing secret (in the answer's <see cref="Webhook.Secret"/>); the old one keeps signing for <paramref name="overlapHours"/>.</summary>
    public Task<Webhook> RotateSecretAsync(string id, int? overlapHours = null, CancellationToken cancellationToken = default) =>
        SendAsync<Webhook>(HttpMethod.Post, $"v1/webhooks/{Escape(id)}/rotate-secret", overlapHours is null ? null : new { overlapHours }, cancellationToken);

    /// <summary>One delivery with its attempt log.</summary>
    public Task<Delivery> GetDeliveryAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<Delivery>(HttpMethod.Get, $"v1/deliveries/{Escape(id)}", null, cancellationToken);

    /// <summary>The tenant's deliveries (or one webhook's), newest first.</summary>
    public Task<Page<Delivery>> ListDeliveriesAsync(DeliveryQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new DeliveryQuery();
        var parameters = Query(("status", query.Status), ("limit", query.Limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", query.Cursor));
        var path = query.WebhookId is null ? "v1/webhooks/events" : $"v1/webhooks/{Escape(query.WebhookId)}/deliveries";
        return SendAsync<Page<Delivery>>(HttpMethod.Get, path + parameters, null, cancellationToken);
    }

    /// <summary>Delivers one delivery again: a new cycle on the same delivery id.</summary>
    public Task<Delivery> RedeliverAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        SendAsync<Delivery>(HttpMethod.Post, $"v1/deliveries/{Escape(deliveryId)}/redeliver", null, cancellationToken);

    /// <summary>Delivers every delivery of an event again.</summary>
    public async Task<IReadOnlyList<Delivery>> RedeliverEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        (await SendAsync<RedeliveredEvent>(HttpMethod.Post, $"v1/webhooks/events/{Escape(eventId)}/redeliver", null, cancellationToken)).Deliveries;

    private sealed record RedeliveredEvent(string Id, IReadOnlyList<Delivery> Deliveries);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body, body.GetType(), options: Json);
            }
            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0
                    ? default!
                    : (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
            }
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < _options.MaxRetries)
            {
                await Task.Delay(RetryDelay(response, attempt), _options.Time, cancellationToken);
                continue;
            }
            throw await ErrorAsync(response, cancellationToken);
        }
    }

    private TimeSpan RetryDelay(HttpResponseMessage response, int attempt)
    {
        var asked = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - _options.Time.GetUtcNow(),
            _ => _options.RetryDelay * Math.Pow(2, attempt),
        };
        return asked < TimeSpan.Zero ? TimeSpan.Zero : asked > _options.MaxRetryDelay ? _options.MaxRetryDelay : asked;
    }

    private static async Task<LedgerApiException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            return new LedgerApiException(
                response.StatusCode,
                error.GetProperty("code").GetString() ?? "INTERNAL",
                error.TryGetProperty("message", out var message) ? message.GetString() ?? "" : "",
                error.TryGetProperty("field", out var field) && field.ValueKind == JsonValueKind.String ? field.GetString() : null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new LedgerApiException(response.StatusCode, "INTERNAL", $"the server answered {(int)response.StatusCode} without the error body", null);
        }
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var set = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return set.Count == 0 ? "" : "?" + string.Join('&', set);
    }
}
