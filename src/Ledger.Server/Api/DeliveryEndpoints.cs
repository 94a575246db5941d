using Ledger.Application;
using Ledger.Domain;
using Ledger.Projections;
using Ledger.Server.Api.Contract;
using Ledger.Server.Auth;

namespace Ledger.Server.Api;

/// <summary>Deliveries: the tenant's list (<c>/v1/webhooks/events</c>), one with its attempts, and redelivery.</summary>
public static class DeliveryEndpoints
{
    public static RouteGroupBuilder MapDeliveryEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/webhooks/events", async (HttpContext http, ReadModelQueries queries, string? status, int? limit, string? cursor, string? webhookId, string? type) =>
        {
            var filter = new DeliveryFilter(WebhookId: webhookId, EventType: type, Statuses: QueryValues.Statuses(status));
            var page = await queries.ListDeliveriesAsync(http.Tenant(), filter, limit ?? 50, cursor, http.RequestAborted);
            return Answer.Json(new PageResponse<DeliveryResponse>([.. page.Data.Select(DeliveryResponse.From)], page.NextCursor));
        })
            .Produces<PageResponse<DeliveryResponse>>()
            .WithName("listDeliveries").WithTags("Deliveries");

        v1.MapPost("/webhooks/events/{id}/redeliver", async (HttpContext http, LedgerService ledger, string id) =>
        {
            var deliveries = await ledger.RedeliverEventAsync(http.Tenant(), id, http.RequestAborted, http.Actor());
            return Answer.Json(new RedeliveredEventResponse(id, [.. deliveries.Select(DeliveryResponse.From)]), StatusCodes.Status202Accepted);
        })
            .Produces<RedeliveredEventResponse>(StatusCodes.Status202Accepted)
            .WithName("redeliverEvent").WithTags("Deliveries");

        v1.MapGet("/deliveries/{id}", async (HttpContext http, LedgerService ledger, ReadModelQueries queries, string id) =>
        {
            var delivery = await ledger.FindDeliveryAsync(http.Tenant(), id, http.RequestAborted) ?? throw DomainException.NotFound("delivery");
            var attempts = await queries.GetAttemptsAsync(http.Tenant(), id, http.RequestAborted);
            return Answer.Json(DeliveryDetailResponse.From(delivery, attempts));
        })
            .Produces<DeliveryDetailResponse>()
            .WithName("getDelivery").WithTags("Deliveries");

        v1.MapPost("/deliveries/{id}/redeliver", async (HttpContext http, LedgerService ledger, string id) =>
        {
            var delivery = await ledger.RedeliverAsync(http.Tenant(), id, http.RequestAborted, http.Actor());
            return Answer.Json(DeliveryResponse.From(delivery), StatusCodes.Status202Accepted);
        })
            .Produces<DeliveryResponse>(StatusCodes.Status202Accepted)
            .ProducesErrors(StatusCodes.Status409Conflict)
            .WithName("redeliverDelivery").WithTags("Deliveries");

        return v1;
    }
}
