using Ledger.Application;
using Ledger.Server.Api.Contract;
using Ledger.Server.Auth;

namespace Ledger.Server.Api;

/// <summary><c>POST /v1/events</c>: publish (idempotent on <c>id</c>).</summary>
public static class EventEndpoints
{
    public static RouteGroupBuilder MapEventEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/events", async (HttpContext http, LedgerService ledger) =>
        {
            var body = await ApiJson.ReadBodyAsync<PublishEventRequest>(http.Request);
            var result = await ledger.PublishAsync(http.Tenant(), body.ToCommand(), http.RequestAborted);
            return Answer.Json(PublishedResponse.From(result.EventId, result.Deliveries), result.Created ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
        })
            .Accepts<PublishEventRequest>("application/json")
            .Produces<PublishedResponse>(StatusCodes.Status202Accepted)
            .Produces<PublishedResponse>()
            .ProducesErrors(StatusCodes.Status413PayloadTooLarge)
            .WithName("publishEvent").WithTags("Events");

        return v1;
    }
}
