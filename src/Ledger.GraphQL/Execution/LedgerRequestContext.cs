using GraphQL;
using Ledger.Application;
using Ledger.Application.Access;
using Ledger.Domain;
using Ledger.Domain.Portal;
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
    GraphQLOptions Options,
    LedgerAccess Access);

/// <summary>
/// One operation's context: whose it is (the tenant every read and command is scoped to), the batch loaders of
/// its nested fields, and, for a subscription, the budget of updates on their way to the client.
/// </summary>
public sealed class LedgerRequestContext : Dictionary<string, object?>
{
    public LedgerRequestContext(TenantId tenant, LedgerGraphQLServices services, SubscriberBudget? budget = null, CallerScope? scope = null, CommandActor? actor = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        Tenant = tenant;
        Services = services;
        Budget = budget;
        Data = services.Access.For(tenant, scope ?? CallerScope.Operator, actor);
        var data = Data;
        Webhooks = new(data.GetWebhooksAsync);
        Events = new(data.GetEventsAsync);
        DeliveriesOfEvents = new(data.GetDeliveriesOfEventsAsync);
        AttemptsOfDeliveries = new(data.GetAttemptsOfDeliveriesAsync);
    }

    public TenantId Tenant { get; }

    /// <summary>What the caller may see and do: every resolver reads and commands through it, never around it.</summary>
    public ScopedLedger Data { get; }

    public CallerScope Scope => Data.Scope;

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
