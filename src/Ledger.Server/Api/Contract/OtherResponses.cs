using System.Globalization;
using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;

namespace Ledger.Server.Api.Contract;

/// <summary>A page of a list; <c>nextCursor</c> is null on the last page.</summary>
public sealed record PageResponse<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary><c>POST /v1/events</c>: the event's id and the deliveries planned for it (202 new, 200 repeated id).</summary>
public sealed record PublishedResponse(string Id, IReadOnlyList<PlannedDeliveryResponse> Deliveries)
{
    public static PublishedResponse From(string eventId, IReadOnlyList<PlannedDelivery> deliveries) =>
        new(eventId, [.. deliveries.Select(d => new PlannedDeliveryResponse(d.DeliveryId, d.WebhookId))]);
}

public sealed record PlannedDeliveryResponse(string Id, string WebhookId);

/// <summary><c>POST /v1/webhooks/events/{id}/redeliver</c>: the event and its new delivery cycles.</summary>
public sealed record RedeliveredEventResponse(string Id, IReadOnlyList<DeliveryResponse> Deliveries);

/// <summary><c>GET /v1/ledger/streams/{streamId}</c>: the stream's events in order.</summary>
public sealed record LedgerEventsResponse(IReadOnlyList<LedgerEventResponse> Data);

/// <summary>One ledger event as the stream API shows it: secrets masked (<see cref="SecretMasking"/>), the hash the stored one.</summary>
public sealed record LedgerEventResponse(string StreamId, long Version, string Position, string Type, DateTimeOffset OccurredAt, JsonElement Data, string Hash, int HashVersion)
{
    public static LedgerEventResponse From(StoredEvent e)
    {
        using var document = JsonDocument.Parse(e.Data);
        return new(e.StreamId, e.Version, e.Position.ToString(CultureInfo.InvariantCulture), e.Type, e.OccurredAt,
            SecretMasking.Masked(document.RootElement), e.Hash, e.HashVersion);
    }
}
