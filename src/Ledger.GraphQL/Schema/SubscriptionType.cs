using GraphQL;
using GraphQL.Types;
using Ledger.GraphQL.Execution;

namespace Ledger.GraphQL.Schema;

/// <summary>
/// Live updates, told after the projection has committed them (so what a subscriber hears it can already query),
/// only of the subscriber's tenant, over the graphql-transport-ws WebSocket protocol.
/// </summary>
public sealed class SubscriptionType : ObjectGraphType
{
    public SubscriptionType()
    {
        Name = "Subscription";

        Field<NonNullGraphType<DeliveryType>>("deliveryUpdated")
            .Description("Fires after every change of a delivery's state (attempt recorded, delivered, failed, redelivery).")
            .Argument<IdGraphType>("webhookId")
            .Argument<ListGraphType<NonNullGraphType<DeliveryStatusType>>>("status")
            .Resolve(context => context.Source)
            .ResolveStream(context => context.Ledger().Services.Hub.DeliveryUpdates(
                context.Ledger(),
                context.GetArgument<string?>("webhookId"),
                context.GetArgument<List<object?>?>("status")?.Select(s => (string)s!).ToHashSet(StringComparer.Ordinal)));

        Field<NonNullGraphType<LedgerEventType>>("ledgerAppended")
            .Description("Every event appended to the tenant's ledger, optionally only streams starting with a prefix.")
            .Argument<StringGraphType>("streamPrefix")
            .Resolve(context => context.Source)
            .ResolveStream(context => context.Ledger().Services.Hub.LedgerAppends(context.Ledger(), context.GetArgument<string?>("streamPrefix")));

        ReplayFields.AddSubscriptions(this);

        Field<NonNullGraphType<WebhookType>>("circuitBreakerChanged")
            .Description(
                "The webhook after each event on its webhook-{id} stream, where circuit-breaker transitions are recorded. "
                + "It fires on every transition: opened, half-opened, closed (by a probe or a reset), and when Ledger disables the webhook.")
            .Argument<IdGraphType>("webhookId")
            .Resolve(context => context.Source)
            .ResolveStream(context => context.Ledger().Services.Hub.CircuitChanges(context.Ledger(), context.GetArgument<string?>("webhookId")));
    }
}
