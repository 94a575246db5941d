using GraphQL;
using GraphQL.Types;
using Ledger.Application;
using Ledger.Domain;
using Ledger.GraphQL.Execution;
using Ledger.Projections;

namespace Ledger.GraphQL.Schema;

/// <summary>
/// Commands, each one call of <see cref="LedgerService"/> (the implementation behind REST as well), so GraphQL
/// appends exactly the ledger events REST does and refuses what REST refuses.
/// </summary>
public sealed class MutationType : ObjectGraphType
{
    private static readonly TimeSpan ReadYourWritesWait = TimeSpan.FromSeconds(10);

    public MutationType()
    {
        Name = "Mutation";

        Field<NonNullGraphType<PublishEventPayloadType>, PublishedEvent>("publishEvent")
            .Description("Publishes an event to every webhook that wants it. An `id` makes it idempotent.")
            .Argument<NonNullGraphType<PublishEventInputType>>("input")
            .ResolveAsync(async context =>
            {
                var ledger = context.Ledger();
                var services = ledger.Services;
                var request = InputMapping.Publish(context.GetArgument<Dictionary<string, object?>>("input"));
                var result = await ledger.Data.PublishAsync(request, context.CancellationToken);
                await services.Projections.WaitForPositionAsync(result.Position, context.CancellationToken).WaitAsync(ReadYourWritesWait, context.CancellationToken);
                var published = await ledger.Data.GetEventAsync(result.EventId, context.CancellationToken)
                    ?? throw new InvalidOperationException($"event {result.EventId} is missing from the read model");
                var deliveries = await ledger.Data.GetDeliveriesAsync([.. result.Deliveries.Select(d => d.DeliveryId)], context.CancellationToken);
                return new PublishedEvent(published, [.. result.Deliveries.Select(d => deliveries.GetValueOrDefault(d.DeliveryId)).OfType<DeliveryView>()], result.Created);
            });

        Field<NonNullGraphType<WebhookWithSecretType>, WebhookCreated>("createWebhook")
            .Argument<NonNullGraphType<CreateWebhookInputType>>("input")
            .ResolveAsync(async context => await context.Ledger().Data.CreateWebhookAsync(
                InputMapping.Webhook(context.GetArgument<Dictionary<string, object?>>("input")), context.CancellationToken));

        Field<NonNullGraphType<WebhookType>, WebhookView>("updateWebhook")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<NonNullGraphType<UpdateWebhookInputType>>("input")
            .ResolveAsync(async context => await context.Ledger().Data.UpdateWebhookAsync(
                context.GetArgument<string>("id"), InputMapping.Webhook(context.GetArgument<Dictionary<string, object?>>("input")), context.CancellationToken));

        Field<NonNullGraphType<BooleanGraphType>, bool>("deleteWebhook")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context =>
            {
                await context.Ledger().Data.DeleteWebhookAsync(context.GetArgument<string>("id"), context.CancellationToken);
                return true;
            });

        Field<NonNullGraphType<WebhookWithSecretType>, WebhookCreated>("rotateWebhookSecret")
            .Description("A new signing secret; the previous one keeps signing for `overlapHours` (0: stops at once).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<IntGraphType>("overlapHours", argument => argument.DefaultValue = 168)
            .ResolveAsync(async context => await context.Ledger().Data.RotateSecretAsync(
                context.GetArgument<string>("id"), context.GetArgument("overlapHours", 168), context.CancellationToken));

        Field<NonNullGraphType<DeliveryType>, DeliveryView>("sendTestEvent")
            .Description("Sends an event of type `test` to this webhook, whatever it subscribes to.")
            .Argument<NonNullGraphType<IdGraphType>>("webhookId")
            .ResolveAsync(async context => await context.Ledger().Data.SendTestAsync(context.GetArgument<string>("webhookId"), context.CancellationToken));

        Field<NonNullGraphType<DeliveryType>, DeliveryView>("redeliver")
            .Description("Deliver one delivery again: a new cycle, attempts numbered on.")
            .Argument<NonNullGraphType<IdGraphType>>("deliveryId")
            .ResolveAsync(async context => await context.Ledger().Data.RedeliverAsync(context.GetArgument<string>("deliveryId"), context.CancellationToken));

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DeliveryType>>>, IReadOnlyList<DeliveryView>>("redeliverEvent")
            .Description("Deliver every delivery of one event again.")
            .Argument<NonNullGraphType<IdGraphType>>("eventId")
            .ResolveAsync(async context => await context.Ledger().Data.RedeliverEventAsync(context.GetArgument<string>("eventId"), context.CancellationToken));

        Field<NonNullGraphType<IntGraphType>, int>("replayFailed")
            .Description("Deliver again every failed delivery of a webhook created at or after `since`; returns how many.")
            .Argument<NonNullGraphType<IdGraphType>>("webhookId")
            .Argument<NonNullGraphType<DateTimeScalar>>("since")
            .ResolveAsync(async context => await context.Ledger().Data.ReplayFailedAsync(
                context.GetArgument<string>("webhookId"), context.GetArgument<DateTimeOffset>("since"), context.CancellationToken));

        ReplayFields.AddMutations(this);

        Field<NonNullGraphType<WebhookType>, WebhookView>("resetCircuitBreaker")
            .Description("Closes the webhook's circuit breaker at once so its paused deliveries resume; a closed breaker stays closed.")
            .Argument<NonNullGraphType<IdGraphType>>("webhookId")
            .ResolveAsync(async context => await context.Ledger().Data.ResetCircuitBreakerAsync(context.GetArgument<string>("webhookId"), context.CancellationToken));

        this.AddPortalTokenFields();
        this.AddExportMutations();
    }
}

/// <summary>What <c>publishEvent</c> answers: the event and its deliveries as the read models hold them.</summary>
public sealed record PublishedEvent(EventView Event, IReadOnlyList<DeliveryView> Deliveries, bool Created);

public sealed class PublishEventPayloadType : ObjectGraphType<PublishedEvent>
{
    public PublishEventPayloadType()
    {
        Name = "PublishEventPayload";
        Field<NonNullGraphType<EventType>, EventView>("event").Resolve(context => context.Source.Event);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DeliveryType>>>, IReadOnlyList<DeliveryView>>("deliveries").Resolve(context => context.Source.Deliveries);
        Field<NonNullGraphType<BooleanGraphType>, bool>("created")
            .Description("False when an event with this id had been published before (nothing new was created).")
            .Resolve(context => context.Source.Created);
    }
}
