using System.Globalization;
using Ledger.Application;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;
using Ledger.Server.Auth;

namespace Ledger.Server.Api;

/// <summary>The REST API of CONTRACT §2–§3 under <c>/v1</c>. Every handler is tenant-scoped; another tenant's id is a 404.</summary>
public static class RestApi
{
    public static IEndpointRouteBuilder MapLedgerRestApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");

        v1.MapPost("/webhooks", async (HttpContext http, LedgerService ledger) =>
        {
            var body = await ApiJson.ReadBodyAsync(http.Request);
            var created = await ledger.CreateWebhookAsync(http.Tenant(), body.WebhookSettings(), http.RequestAborted);
            return Results.Json(Responses.Webhook(created.Webhook, created.Secret), ApiJson.Options, statusCode: StatusCodes.Status201Created);
        });

        v1.MapGet("/webhooks", async (HttpContext http, ReadModelQueries queries, int? limit, string? cursor) =>
        {
            var page = await queries.ListWebhooksAsync(http.Tenant(), limit ?? 50, cursor, http.RequestAborted);
            return Results.Json(new { data = page.Data.Select(w => Responses.Webhook(w)), nextCursor = page.NextCursor }, ApiJson.Options);
        });

        v1.MapGet("/webhooks/events", async (HttpContext http, ReadModelQueries queries, string? status, int? limit, string? cursor, string? webhookId, string? type) =>
        {
            var filter = new DeliveryFilter(WebhookId: webhookId, EventType: type, Statuses: Statuses(status));
            var page = await queries.ListDeliveriesAsync(http.Tenant(), filter, limit ?? 50, cursor, http.RequestAborted);
            return Results.Json(new { data = page.Data.Select(Responses.Delivery), nextCursor = page.NextCursor }, ApiJson.Options);
        });

        v1.MapPost("/webhooks/events/{id}/redeliver", async (HttpContext http, LedgerService ledger, string id) =>
        {
            var deliveries = await ledger.RedeliverEventAsync(http.Tenant(), id, http.RequestAborted);
            return Results.Json(new { id, deliveries = deliveries.Select(Responses.Delivery) }, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        });

        v1.MapGet("/webhooks/{id}", async (HttpContext http, ReadModelQueries queries, string id) =>
        {
            var webhook = await queries.GetWebhookAsync(http.Tenant(), id, http.RequestAborted) ?? throw DomainException.NotFound("webhook");
            return Results.Json(Responses.Webhook(webhook), ApiJson.Options);
        });

        v1.MapPatch("/webhooks/{id}", async (HttpContext http, LedgerService ledger, string id) =>
        {
            var body = await ApiJson.ReadBodyAsync(http.Request);
            var webhook = await ledger.UpdateWebhookAsync(http.Tenant(), id, body.WebhookSettings(), http.RequestAborted);
            return Results.Json(Responses.Webhook(webhook), ApiJson.Options);
        });

        v1.MapDelete("/webhooks/{id}", async (HttpContext http, LedgerService ledger, string id) =>
        {
            await ledger.DeleteWebhookAsync(http.Tenant(), id, http.RequestAborted);
            return Results.NoContent();
        });

        v1.MapPost("/webhooks/{id}/test", async (HttpContext http, LedgerService ledger, string id) =>
        {
            var delivery = await ledger.SendTestAsync(http.Tenant(), id, http.RequestAborted);
            return Results.Json(Responses.Delivery(delivery), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        });

        v1.MapPost("/webhooks/{id}/rotate-secret", async (HttpContext http, LedgerService ledger, string id) =>
        {
            int? overlapHours = null;
            if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
            {
                overlapHours = (await ApiJson.ReadBodyAsync(http.Request)).Int("overlapHours");
            }
            var rotated = await ledger.RotateSecretAsync(http.Tenant(), id, overlapHours, http.RequestAborted);
            return Results.Json(Responses.Webhook(rotated.Webhook, rotated.Secret), ApiJson.Options);
        });

        v1.MapGet("/webhooks/{id}/deliveries", async (HttpContext http, ReadModelQueries queries, WebhookRegistry registry, string id, string? status, int? limit, string? cursor) =>
        {
            _ = registry.Find(http.Tenant(), id) ?? throw DomainException.NotFound("webhook");
            var page = await queries.ListDeliveriesAsync(http.Tenant(), new DeliveryFilter(WebhookId: id, Statuses: Statuses(status)), limit ?? 50, cursor, http.RequestAborted);
            return Results.Json(new { data = page.Data.Select(Responses.Delivery), nextCursor = page.NextCursor }, ApiJson.Options);
        });

        v1.MapPost("/events", async (HttpContext http, LedgerService ledger) =>
        {
            var body = await ApiJson.ReadBodyAsync(http.Request);
            if (!body.TryGetProperty("data", out var data) || data.ValueKind == System.Text.Json.JsonValueKind.Null)
            {
                throw DomainException.Validation("data", "data is required");
            }
            var request = new PublishRequest(
                body.String("type"), data, body.String("id"), body.String("apiVersion"), body.StringMap("metadata"), body.String("orderingKey"));
            var result = await ledger.PublishAsync(http.Tenant(), request, http.RequestAborted);
            return Results.Json(Responses.Published(result.EventId, result.Deliveries), ApiJson.Options,
                statusCode: result.Created ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
        });

        v1.MapGet("/deliveries/{id}", async (HttpContext http, LedgerService ledger, ReadModelQueries queries, string id) =>
        {
            var delivery = await ledger.FindDeliveryAsync(http.Tenant(), id, http.RequestAborted) ?? throw DomainException.NotFound("delivery");
            var attempts = await queries.GetAttemptsAsync(http.Tenant(), id, http.RequestAborted);
            return Results.Json(Responses.DeliveryWithAttempts(delivery, attempts), ApiJson.Options);
        });

        v1.MapPost("/deliveries/{id}/redeliver", async (HttpContext http, LedgerService ledger, string id) =>
        {
            var delivery = await ledger.RedeliverAsync(http.Tenant(), id, http.RequestAborted);
            return Results.Json(Responses.Delivery(delivery), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        });

        v1.MapGet("/ledger/streams/{streamId}", async (HttpContext http, IEventStore store, WebhookRegistry registry, string streamId, long? fromVersion, int? limit) =>
        {
            if (!StreamAccess.Allows(http.Tenant(), streamId, registry))
            {
                throw DomainException.NotFound("stream");
            }
            var events = await store.ReadStreamAsync(streamId, Math.Max(0, fromVersion ?? 0), Math.Clamp(limit ?? 1000, 1, 10_000), http.RequestAborted);
            if (events.Count == 0 && (fromVersion ?? 0) == 0)
            {
                throw DomainException.NotFound("stream");
            }
            return Results.Json(new { data = events.Select(Responses.LedgerEvent) }, ApiJson.Options);
        });

        return app;
    }

    private static List<string>? Statuses(string? status)
    {
        if (string.IsNullOrWhiteSpace(status))
        {
            return null;
        }
        var statuses = status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).ToList();
        var unknown = statuses.FirstOrDefault(s => !DeliveryStatuses.All.Contains(s));
        return unknown is null
            ? statuses
            : throw DomainException.Validation("status", string.Create(CultureInfo.InvariantCulture, $"status '{unknown}' is not one of {string.Join(", ", DeliveryStatuses.All)}"));
    }
}
