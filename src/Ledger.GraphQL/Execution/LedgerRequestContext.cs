using GraphQL;
using Ledger.Application;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.GraphQL.Subscriptions;
using Ledger.Projections;

namespace Ledger.GraphQL.Execution;

/// <summary>The services every resolver reads from (all singletons of the host).</summary>
public sealed record LedgerGraphQLServices(
    ReadModelQueries Queries,
    LedgerService Ledger,
    ProjectionRunner Projections,
    IEventStore Store,
    WebhookRegistry Registry,
    SubscriptionHub Hub,
    GraphQLOptions Options);

/// <summary>
/// One operation's context: whose it is (the tenant every read and command is scoped to), the batch loaders of
/// its nested fields, and, for a subscription, the budget of updates on their way to the client.
/// </summary>
public sealed class LedgerRequestContext : Dictionary<string, object?>
{
    public LedgerRequestContext(TenantId tenant, LedgerGraphQLServices services, SubscriberBudget? budget = null)
    {
        Tenant = tenant;
        Services = services;
        Budget = budget;
        Webhooks = new((ids, ct) => services.Queries.GetWebhooksAsync(tenant, ids, ct));
        Events = new((ids, ct) => services.Queries.GetEventsAsync(tenant, ids, ct));
        DeliveriesOfEvents = new((ids, ct) => services.Queries.GetDeliveriesOfEventsAsync(tenant, ids, ct));
        AttemptsOfDeliveries = new((ids, ct) => services.Queries.GetAttemptsOfDeliveriesAsync(tenant, ids, ct));
    }

    public TenantId Tenant { get; }

    public LedgerGraphQLServices Services { get; }

    public SubscriberBudget? Budget { get; }

    internal BatchLoader<WebhookView> Webhooks { get; }

    internal BatchLoader<EventView> Events { get; }

    internal BatchLoader<IReadOnlyList<DeliveryView>> DeliveriesOfEvents { get; }

    internal BatchLoader<IReadOnlyList<AttemptView>> AttemptsOfDeliveries { get; }
}

internal static class ResolveFieldContextExtensions
{
    public static LedgerRequestContext Ledger(this IResolveFieldContext context) =>
        context.UserContext as LedgerRequestContext ?? throw new InvalidOperationException("the operation has no Ledger context");
}
