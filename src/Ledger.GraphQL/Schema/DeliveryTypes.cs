using System.Globalization;
using System.Text.Json;
using GraphQL.Types;
using Ledger.Application.Inspection;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.GraphQL.Execution;
using Ledger.Projections;

namespace Ledger.GraphQL.Schema;

public sealed class DeliveryType : ObjectGraphType<DeliveryView>
{
    public DeliveryType()
    {
        Name = "Delivery";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(context => context.Source.Id);
        Field<NonNullGraphType<IdGraphType>, string>("eventId").Resolve(context => context.Source.EventId);
        Field<NonNullGraphType<IdGraphType>, string>("webhookId").Resolve(context => context.Source.WebhookId);
        Field<NonNullGraphType<StringGraphType>, string>("type").Description("The event's type.").Resolve(context => context.Source.Type);
        Field<NonNullGraphType<EventType>>("event").Resolve(context => context.Ledger().Events.Load(context.Source.EventId));
        Field<NonNullGraphType<WebhookType>>("webhook")
            .Description("The webhook delivered to (also when it has been deleted since).")
            .Resolve(context => context.Ledger().Webhooks.Load(context.Source.WebhookId));
        Field<NonNullGraphType<DeliveryStatusType>, string>("status").Resolve(context => context.Source.Status);
        Field<NonNullGraphType<IntGraphType>, int>("attempts").Resolve(context => context.Source.Attempts);
        Field<DateTimeScalar, DateTimeOffset?>("lastAttemptedAt").Resolve(context => context.Source.LastAttemptedAt);
        Field<IntGraphType, int?>("lastStatusCode").Resolve(context => context.Source.LastStatusCode);
        Field<StringGraphType, string>("lastFailureCode").Resolve(context => context.Source.LastFailureCode);
        Field<StringGraphType, string>("lastErrorMessage").Resolve(context => context.Source.LastErrorMessage);
        Field<DateTimeScalar, DateTimeOffset?>("nextAttemptAt").Resolve(context => context.Source.NextAttemptAt);
        Field<DateTimeScalar, DateTimeOffset?>("terminalFailureAt").Resolve(context => context.Source.TerminalFailureAt);
        Field<DateTimeScalar, DateTimeOffset?>("deliveredAt").Resolve(context => context.Source.DeliveredAt);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(context => context.Source.CreatedAt);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AttemptType>>>>("attemptLog")
            .Resolve(context => context.Ledger().AttemptsOfDeliveries.Load(context.Source.Id, []));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LedgerEventType>>>, IReadOnlyList<StoredEvent>>("history")
            .Description("The ledger events that made this delivery what it is, in order.")
            .ResolveAsync(async context =>
            {
                var delivery = context.Source;
                if (delivery.StreamId is null)
                {
                    return [];
                }
                var lane = await context.Ledger().Services.Store.ReadStreamAsync(delivery.StreamId, 0, int.MaxValue, context.CancellationToken);
                return [.. lane.Where(stored => DeliveryIdOf(EventSerializer.Deserialize(stored)) == delivery.Id)];
            });
        Field<BooleanGraphType, bool?>("historyVerified")
            .Description("Whether the ledger stream holding this delivery's history matches its hash chain from its first event: each hash computed again from the event's content and the hash before it. Null when it has no stream.")
            .ResolveAsync(async context =>
            {
                var delivery = context.Source;
                if (delivery.StreamId is null)
                {
                    return null;
                }
                var lane = await context.Ledger().Services.Store.ReadStreamAsync(delivery.StreamId, 0, int.MaxValue, context.CancellationToken);
                return EventHash.VerifyChain(lane, out _);
            });
    }

    private static string? DeliveryIdOf(ILedgerEvent? e) => e switch
    {
        DeliveryEnqueued x => x.DeliveryId,
        AttemptSucceeded x => x.DeliveryId,
        AttemptFailed x => x.DeliveryId,
        DeliveryCompleted x => x.DeliveryId,
        DeliveryFailed x => x.DeliveryId,
        RedeliveryRequested x => x.DeliveryId,
        _ => null,
    };
}

public sealed class AttemptType : ObjectGraphType<AttemptView>
{
    public AttemptType()
    {
        Name = "Attempt";
        Field<NonNullGraphType<IntGraphType>, int>("number").Resolve(context => context.Source.Number);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("startedAt").Resolve(context => context.Source.StartedAt);
        Field<IntGraphType, int?>("durationMs").Resolve(context => context.Source.DurationMs);
        Field<IntGraphType, int?>("statusCode").Resolve(context => context.Source.StatusCode);
        Field<StringGraphType, string>("failureCode").Resolve(context => context.Source.FailureCode);
        Field<StringGraphType, string>("errorMessage").Resolve(context => context.Source.ErrorMessage);
        Field<StringGraphType, string>("responseBody").Description("At most 4 KiB of what the receiver answered.").Resolve(context => context.Source.ResponseBody);
        Field<AttemptRequestType, RenderedAttempt>("request")
            .Description("The request as sent: URL, every header (signatures included) and the body, rendered again from the ledger.")
            .ResolveAsync(async context => await AttemptRequests.OfAsync(context, context.Source.DeliveryId, context.Source.Number));
        Field<ListGraphType<NonNullGraphType<HttpHeaderType>>, IReadOnlyList<HttpHeader>>("responseHeaders")
            .Description("The receiver's answer headers (at most 32 lines, 4 KiB; cookies never); null when none came or not recorded.")
            .ResolveAsync(async context => (await AttemptRequests.OfAsync(context, context.Source.DeliveryId, context.Source.Number))?.ResponseHeaders);
    }
}

public sealed class EventType : ObjectGraphType<EventView>
{
    public EventType()
    {
        Name = "Event";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(context => context.Source.Id);
        Field<NonNullGraphType<StringGraphType>, string>("type").Resolve(context => context.Source.Type);
        Field<StringGraphType, string>("apiVersion").Resolve(context => context.Source.ApiVersion);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(context => context.Source.CreatedAt);
        Field<NonNullGraphType<JsonScalar>, object>("data").Resolve(context => context.Source.Data);
        Field<JsonScalar, object>("metadata").Resolve(context => context.Source.Metadata is { } metadata ? JsonSerializer.SerializeToElement(metadata) : null);
        Field<StringGraphType, string>("orderingKey").Resolve(context => context.Source.OrderingKey);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DeliveryType>>>>("deliveries")
            .Resolve(context => context.Ledger().DeliveriesOfEvents.Load(context.Source.Id, []));
    }
}

public sealed class LedgerEventType : ObjectGraphType<StoredEvent>
{
    public LedgerEventType()
    {
        Name = "LedgerEvent";
        Field<NonNullGraphType<StringGraphType>, string>("streamId").Resolve(context => context.Source.StreamId);
        Field<NonNullGraphType<IntGraphType>, int>("version").Resolve(context => checked((int)context.Source.Version));
        Field<NonNullGraphType<StringGraphType>, string>("position")
            .Description("The global position, as a string (it may outgrow a GraphQL Int).")
            .Resolve(context => context.Source.Position.ToString(CultureInfo.InvariantCulture));
        Field<NonNullGraphType<StringGraphType>, string>("type").Resolve(context => context.Source.Type);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("occurredAt").Resolve(context => context.Source.OccurredAt);
        Field<NonNullGraphType<JsonScalar>, object>("data")
            .Description("The event as stored; signing secrets are masked, and a portal token is not shown who did it (actor, ip).")
            .Resolve(context =>
            {
                using var document = JsonDocument.Parse(context.Source.Data);
                return SecretMasking.Masked(document.RootElement, hideActors: !context.Ledger().Scope.IsOperator);
            });
        Field<NonNullGraphType<StringGraphType>, string>("hash").Resolve(context => context.Source.Hash);
    }
}
