using GraphQL;
using GraphQL.Types;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.GraphQL.Execution;
using Ledger.Projections;
using Ledger.Projections.Audit;
using Ledger.Projections.Stats;

namespace Ledger.GraphQL.Schema;

/// <summary>
/// Reads, from the read models only (except a stream, which is one stream read); everything is the caller's tenant's,
/// within the caller's scope (<see cref="LedgerRequestContext.Data"/>).
/// </summary>
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
                    limit => ledger.Data.ListWebhooksAsync(limit, after, context.CancellationToken),
                    Paging.CursorOf);
            });

        Field<WebhookType, WebhookView>("webhook")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context => await context.Ledger().Data.GetWebhookAsync(context.GetArgument<string>("id"), context.CancellationToken));

        Field<EventType, EventView>("event")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context => await context.Ledger().Data.GetEventAsync(context.GetArgument<string>("id"), context.CancellationToken));

        Field<DeliveryType, DeliveryView>("delivery")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context => await context.Ledger().Data.FindDeliveryAsync(context.GetArgument<string>("id"), context.CancellationToken));

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
                    limit => ledger.Data.ListDeliveriesAsync(filter, limit, after, context.CancellationToken),
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
                return await ledger.Data.ReadStreamAsync(id, fromVersion, context.GetArgument("first", 100), context.CancellationToken);
            });

        Field<NonNullGraphType<DeliveryStatsType>, DeliveryStats>("stats")
            .Description("Counts and latency of the tenant's deliveries (or one webhook's), created at or after `since`.")
            .Argument<IdGraphType>("webhookId")
            .Argument<DateTimeScalar>("since")
            .ResolveAsync(async context =>
            {
                return await context.Ledger().Data.GetStatsAsync(
                    context.GetArgument<string?>("webhookId"), context.GetArgument<DateTimeOffset?>("since"), context.CancellationToken);
            });

        ReplayFields.AddQueries(this);

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StatsBucketType>>>, IReadOnlyList<StatsBucketView>>("statsSeries")
            .SeriesArguments()
            .Argument<IdGraphType>("webhookId", argument => argument.Description = "One webhook's series; without it, every webhook the caller sees (the whole tenant for an API key).")
            .ResolveAsync(async context => await StatsSeriesField.ResolveAsync(context, context.GetArgument<string?>("webhookId")));

        this.AddCallerField();

        Field<NonNullGraphType<AuditConnectionType>, Connection<AuditEntryView>>("auditLog")
            .Description("Who did what in the tenant, newest first (as GET /v1/audit); API keys only, portal tokens are refused.")
            .Argument<DateTimeScalar>("since")
            .Argument<StringGraphType>("actor", argument => argument.Description = "One API key id (ak_…) or portal token id (pt_…).")
            .Paged()
            .After()
            .ResolveAsync(async context =>
            {
                var ledger = context.Ledger();
                var (since, actor, after) = (context.GetArgument<DateTimeOffset?>("since"), context.GetArgument<string?>("actor"), context.GetArgument<string?>("after"));
                return await Paging.PageAsync(
                    context.GetArgument("first", Paging.DefaultFirst),
                    limit => ledger.Data.ListAuditAsync(since, actor, limit, after, context.CancellationToken),
                    ReadModelQueries.AuditCursorOf);
            });
    }
}
