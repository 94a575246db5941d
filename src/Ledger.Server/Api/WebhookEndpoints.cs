using Ledger.Application;
using Ledger.Domain;
using Ledger.Projections;
using Ledger.Server.Api.Contract;
using Ledger.Server.Auth;

namespace Ledger.Server.Api;

/// <summary><c>/v1/webhooks…</c>: configuration, the test send, secret rotation and a webhook's deliveries.</summary>
public static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhookEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/webhooks", async (HttpContext http, LedgerService ledger) =>
        {
            var body = await ApiJson.ReadBodyAsync<WebhookRequest>(http.Request);
            var created = await ledger.CreateWebhookAsync(http.Tenant(), body.ToSettings(), http.RequestAborted, http.Actor());
            return Answer.Json(WebhookResponse.From(created.Webhook, created.Secret), StatusCodes.Status201Created);
        })
            .Accepts<WebhookRequest>("application/json")
            .Produces<WebhookResponse>(StatusCodes.Status201Created)
            .ProducesErrors(StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge)
            .WithName("createWebhook").WithTags("Webhooks");

        v1.MapGet("/webhooks", async (HttpContext http, ReadModelQueries queries, int? limit, string? cursor) =>
        {
            var page = await queries.ListWebhooksAsync(http.Tenant(), limit ?? 50, cursor, http.RequestAborted);
            return Answer.Json(new PageResponse<WebhookResponse>([.. page.Data.Select(w => WebhookResponse.From(w))], page.NextCursor));
        })
            .Produces<PageResponse<WebhookResponse>>()
            .WithName("listWebhooks").WithTags("Webhooks");

        v1.MapGet("/webhooks/{id}", async (HttpContext http, ReadModelQueries queries, string id) =>
        {
            var webhook = await queries.GetWebhookAsync(http.Tenant(), id, http.RequestAborted) ?? throw DomainException.NotFound("webhook");
            return Answer.Json(WebhookResponse.From(webhook));
        })
            .Produces<WebhookResponse>()
            .WithName("getWebhook").WithTags("Webhooks");

        v1.MapPatch("/webhooks/{id}", async (HttpContext http, LedgerService ledger, string id) =>
        {
            var body = await ApiJson.ReadBodyAsync<WebhookRequest>(http.Request);
            var webhook = await ledger.UpdateWebhookAsync(http.Tenant(), id, body.ToSettings(), http.RequestAborted, http.Actor());
            return Answer.Json(WebhookResponse.From(webhook));
        })
            .Accepts<WebhookRequest>("application/json")
            .Produces<WebhookResponse>()
            .ProducesErrors(StatusCodes.Status413PayloadTooLarge)
            .WithName("updateWebhook").WithTags("Webhooks");

        v1.MapDelete("/webhooks/{id}", async (HttpContext http, LedgerService ledger, string id) =>
        {
            await ledger.DeleteWebhookAsync(http.Tenant(), id, http.RequestAborted, http.Actor());
            return Results.NoContent();
        })
            .Produces(StatusCodes.Status204NoContent)
            .WithName("deleteWebhook").WithTags("Webhooks");

        v1.MapPost("/webhooks/{id}/test", async (HttpContext http, LedgerService ledger, string id) =>
        {
            var delivery = await ledger.SendTestAsync(http.Tenant(), id, http.RequestAborted);
            return Answer.Json(DeliveryResponse.From(delivery), StatusCodes.Status202Accepted);
        })
            .Produces<DeliveryResponse>(StatusCodes.Status202Accepted)
            .WithName("testWebhook").WithTags("Webhooks");

        v1.MapPost("/webhooks/{id}/rotate-secret", async (HttpContext http, LedgerService ledger, string id) =>
        {
            int? overlapHours = null;
            if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
            {
                overlapHours = (await ApiJson.ReadBodyAsync<RotateSecretRequest>(http.Request)).OverlapHours;
            }
            var rotated = await ledger.RotateSecretAsync(http.Tenant(), id, overlapHours, http.RequestAborted, http.Actor());
            return Answer.Json(WebhookResponse.From(rotated.Webhook, rotated.Secret));
        })
            .Accepts<RotateSecretRequest>(isOptional: true, "application/json")
            .Produces<WebhookResponse>()
            .WithName("rotateWebhookSecret").WithTags("Webhooks");

        v1.MapGet("/webhooks/{id}/deliveries", async (HttpContext http, ReadModelQueries queries, WebhookRegistry registry, string id, string? status, int? limit, string? cursor) =>
        {
            _ = registry.Find(http.Tenant(), id) ?? throw DomainException.NotFound("webhook");
            var page = await queries.ListDeliveriesAsync(http.Tenant(), new DeliveryFilter(WebhookId: id, Statuses: QueryValues.Statuses(status)), limit ?? 50, cursor, http.RequestAborted);
            return Answer.Json(new PageResponse<DeliveryResponse>([.. page.Data.Select(DeliveryResponse.From)], page.NextCursor));
        })
            .Produces<PageResponse<DeliveryResponse>>()
            .WithName("listWebhookDeliveries").WithTags("Webhooks", "Deliveries");

        return v1;
    }
}
