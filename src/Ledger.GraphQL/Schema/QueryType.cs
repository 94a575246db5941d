using GraphQL;
using GraphQL.Types;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.GraphQL.Execution;
using Ledger.Projections;

namespace Ledger.GraphQL.Schema;

/// <summary>Reads, from the read models only (except a stream, which is one stream read); everything is the caller's tenant's.</summary>
public sealed class QueryType : ObjectGraphType
{
    public QueryType()
    {
        Name = "Query";

        Field<NonNullGraphType<WebhookConnectionType>, Connection<WebhookView>>("webhooks")
            .Description("The tenant's webhooks, oldest first.")
            .Paged()
            .After()
            .ResolveAsync(async context =>
            {
                var ledger = context.Ledger();
                var after = context.GetArgument<string?>("after");
                return await Paging.PageAsync(
                    context.GetArgument("first", Paging.DefaultFirst),
                    limit => ledger.Services.Queries.ListWebhooksAsync(ledger.Tenant, limit, after, context.CancellationToken),
                    Paging.CursorOf);
            });

        Field<WebhookType, WebhookView>("webhook")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context => await context.Ledger().Services.Queries.GetWebhookAsync(
                context.Ledger().Tenant, context.GetArgument<string>("id"), context.CancellationToken));

        Field<EventType, EventView>("event")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context => await context.Ledger().Services.Queries.GetEventAsync(
                context.Ledger().Tenant, context.GetArgument<string>("id"), context.CancellationToken));

        Field<DeliveryType, DeliveryView>("delivery")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context => await context.Ledger().Services.Ledger.FindDeliveryAsync(
                context.Ledger().Tenant, context.GetArgument<string>("id"), context.CancellationToken));

        Field<NonNullGraphType<DeliveryConnectionType>, Connection<DeliveryView>>("deliveries")
            .Description("The tenant's deliveries, newest first.")
            .Argument<DeliveryFilterInputType>("filter")
            .Paged()
            .After()
            .ResolveAsync(async context =>
            {
                var ledger = context.Ledger();
                var filter = InputMapping.Filter(context.GetArgument<Dictionary<string, object?>>("filter"));
                var after = context.GetArgument<string?>("after");
                return await Paging.PageAsync(
                    context.GetArgument("first", Paging.DefaultFirst),
                    limit => ledger.Services.Queries.ListDeliveriesAsync(ledger.Tenant, filter, limit, after, context.CancellationToken),
                    Paging.CursorOf);
            });

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LedgerEventType>>>, IReadOnlyList<StoredEvent>>("stream")
            .Description("The immutable events of one ledger stream, in order.")
            .Argument<NonNullGraphType<StringGraphType>>("id")
            .Argument<IntGraphType>("fromVersion", argument => argument.DefaultValue = 0)
            .Paged(isStream: true)
            .ResolveAsync(async context =>
            {
                var ledger = context.Ledger();
                var id = context.GetArgument<string>("id");
                var fromVersion = context.GetArgument("fromVersion", 0);
                if (fromVersion < 0)
                {
                    throw DomainException.Validation("fromVersion", "fromVersion must be 0 or more");
                }
                if (!StreamAccess.Allows(ledger.Tenant, id, ledger.Services.Registry))
                {
                    throw DomainException.NotFound("stream");
                }
                var first = context.GetArgument("first", 100);
                return first == 0 ? [] : await ledger.Services.Store.ReadStreamAsync(id, fromVersion, first, context.CancellationToken);
            });

        Field<NonNullGraphType<DeliveryStatsType>, DeliveryStats>("stats")
            .Description("Counts and latency of the tenant's deliveries (or one webhook's), created at or after `since`.")
            .Argument<IdGraphType>("webhookId")
            .Argument<DateTimeScalar>("since")
            .ResolveAsync(async context =>
            {
                var ledger = context.Ledger();
                var webhookId = context.GetArgument<string?>("webhookId");
                if (webhookId is not null && ledger.Services.Registry.Find(webhookId)?.TenantId != ledger.Tenant.Value)
                {
                    throw DomainException.NotFound("webhook");
                }
                return await ledger.Services.Queries.GetStatsAsync(ledger.Tenant, webhookId, context.GetArgument<DateTimeOffset?>("since"), context.CancellationToken);
            });
    }
}
