using GraphQL;
using GraphQL.Types;
using Ledger.Application.Replay;
using Ledger.Domain;
using Ledger.GraphQL.Execution;
using Ledger.GraphQL.Subscriptions;

namespace Ledger.GraphQL.Schema;

public sealed class ReplayJobStatusType : EnumerationGraphType
{
    public ReplayJobStatusType()
    {
        Name = "ReplayJobStatus";
        Add("RUNNING", ReplayStatuses.Running);
        Add("COMPLETED", ReplayStatuses.Completed);
        Add("CANCELLED", ReplayStatuses.Cancelled);
    }
}

public sealed class ReplayJobType : ObjectGraphType<ReplayJobView>
{
    public ReplayJobType()
    {
        Name = "ReplayJob";
        Description = "A bulk replay: `total` deliveries chosen when it started, `done` redelivered so far, `failed` refused (e.g. under way again).";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(context => context.Source.Id);
        Field<NonNullGraphType<ReplayJobStatusType>, string>("status").Resolve(context => context.Source.Status);
        Field<NonNullGraphType<IntGraphType>, int>("total").Resolve(context => context.Source.Total);
        Field<NonNullGraphType<IntGraphType>, int>("done").Resolve(context => context.Source.Done);
        Field<NonNullGraphType<IntGraphType>, int>("failed").Resolve(context => context.Source.Failed);
        Field<NonNullGraphType<StringGraphType>, string>("selection").Description("What it replays, in words.").Resolve(context => context.Source.Selection);
        Field<NonNullGraphType<StringGraphType>, string>("startedBy")
            .Description("The API key id or portal token id that started it; a portal token sees only itself, any other actor as \"hidden\".")
            .Resolve(context => context.Ledger().Data.ShownActor(context.Source.StartedBy));
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("startedAt").Resolve(context => context.Source.StartedAt);
        Field<StringGraphType, string>("cancelledBy").Resolve(context => context.Ledger().Data.ShownActor(context.Source.CancelledBy));
        Field<DateTimeScalar, DateTimeOffset?>("endedAt").Resolve(context => context.Source.EndedAt);
    }
}

public sealed class StartReplayInputType : InputObjectGraphType
{
    public StartReplayInputType()
    {
        Name = "StartReplayInput";
        Description = "The failed deliveries of `webhookId` created since `since`; or, with `filter`, every delivered or failed delivery it matches.";
        Field<IdGraphType>("webhookId");
        Field<DateTimeScalar>("since");
        Field<DeliveryFilterInputType>("filter");
    }
}

/// <summary>The replay fields of Query, Mutation and Subscription.</summary>
internal static class ReplayFields
{
    public static void AddQueries(ObjectGraphType query)
    {
        query.Field<ReplayJobType, ReplayJobView>("replayJob")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Resolve(context => context.Ledger().Data.FindReplayJob(context.GetArgument<string>("id")));
        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<ReplayJobType>>>, IReadOnlyList<ReplayJobView>>("replayJobs")
            .Description("This server's recent bulk replays of the tenant, newest first (the ledger keeps every one).")
            .Resolve(context => context.Ledger().Data.ListReplayJobs());
    }

    public static void AddMutations(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<ReplayJobType>, ReplayJobView>("startReplay")
            .Description("Starts a bulk replay and answers at once with its `total`; follow it with `replayJobProgress`.")
            .Argument<NonNullGraphType<StartReplayInputType>>("input")
            .ResolveAsync(async context =>
            {
                var ledger = context.Ledger();
                var input = context.GetArgument<Dictionary<string, object?>>("input");
                var filter = input.GetValueOrDefault("filter") is IDictionary<string, object?> given ? InputMapping.Filter(given) : null;
                var selection = new ReplaySelection(input.GetValueOrDefault("webhookId") as string, input.GetValueOrDefault("since") as DateTimeOffset?, filter);
                return await ledger.Data.StartReplayAsync(selection, context.CancellationToken);
            });
        mutation.Field<NonNullGraphType<ReplayJobType>, ReplayJobView>("cancelReplay")
            .Description("Stops a bulk replay before its next redelivery; answers once it has ended, with what it did.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context => await context.Ledger().Data.CancelReplayAsync(
                context.GetArgument<string>("id"), context.CancellationToken));
    }

    public static void AddSubscriptions(ObjectGraphType subscription) =>
        subscription.Field<NonNullGraphType<ReplayJobType>>("replayJobProgress")
            .Description("The job now, then after every redelivery it makes; completes when the job has ended.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Resolve(context => context.Source)
            .ResolveStream(context =>
            {
                var id = context.GetArgument<string>("id");
                _ = context.Ledger().Data.FindReplayJob(id) ?? throw DomainException.NotFound("replay job");
                return new ProgressSource(context.Ledger(), id);
            });

    /// <summary>
    /// Progress for one subscriber. Updates in between may be skipped when the subscriber is behind (each carries the
    /// whole state); the last one never is.
    /// </summary>
    private sealed class ProgressSource(LedgerRequestContext context, string id) : IObservable<object?>
    {
        public IDisposable Subscribe(IObserver<object?> observer)
        {
            var budget = context.Budget ?? throw new ExecutionError("subscriptions are served over WebSocket (graphql-transport-ws) at /graphql");
            var completed = 0;
            return context.Data.WatchReplayJob(
                id,
                job =>
                {
                    if (Volatile.Read(ref completed) == 0 && (!job.IsRunning || budget.Pending < budget.Capacity - 1) && budget.TryTake(SubscriptionHub.EstimatedBytes(job)))
                    {
                        observer.OnNext(job);
                    }
                },
                () =>
                {
                    if (Interlocked.Exchange(ref completed, 1) == 0)
                    {
                        observer.OnCompleted();
                    }
                });
        }
    }
}
