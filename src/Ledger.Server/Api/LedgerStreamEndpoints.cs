using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;
using Ledger.Server.Api.Contract;
using Ledger.Server.Auth;

namespace Ledger.Server.Api;

/// <summary><c>GET /v1/ledger/streams/{streamId}</c>: the tenant's own streams, secrets masked.</summary>
public static class LedgerStreamEndpoints
{
    public const int MaxStreamPage = 10_000;

    public static RouteGroupBuilder MapLedgerStreamEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/ledger/streams/{streamId}", async (HttpContext http, IEventStore store, WebhookRegistry registry, string streamId, long? fromVersion, int? limit) =>
        {
            if (!StreamAccess.Allows(http.Tenant(), streamId, registry))
            {
                throw DomainException.NotFound("stream");
            }
            var events = await store.ReadStreamAsync(streamId, Math.Max(0, fromVersion ?? 0), Math.Clamp(limit ?? 1000, 1, MaxStreamPage), http.RequestAborted);
            if (events.Count == 0 && (fromVersion ?? 0) == 0)
            {
                throw DomainException.NotFound("stream");
            }
            return Answer.Json(new LedgerEventsResponse([.. events.Select(LedgerEventResponse.From)]));
        })
            .Produces<LedgerEventsResponse>()
            .WithName("readLedgerStream").WithTags("Ledger");

        return v1;
    }
}
