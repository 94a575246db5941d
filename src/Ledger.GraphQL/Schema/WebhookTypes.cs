using System.Text.Json;
using GraphQL;
using GraphQL.Types;
using Ledger.Application;
using Ledger.Domain;
using Ledger.GraphQL.Execution;
using Ledger.Projections;
using Ledger.Projections.Stats;

namespace Ledger.GraphQL.Schema;

public sealed class WebhookType : ObjectGraphType<WebhookView>
{
    public WebhookType()
    {
        Name = "Webhook";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(context => context.Source.Id);
        Field<NonNullGraphType<StringGraphType>, string>("url").Resolve(context => context.Source.Url);
        Field<StringGraphType, string>("description").Resolve(context => context.Source.Description);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>, IReadOnlyList<string>>("events").Resolve(context => context.Source.Events);
        Field<NonNullGraphType<StringGraphType>, string>("profile").Resolve(context => context.Source.Profile);
        Field<NonNullGraphType<BooleanGraphType>, bool>("active").Resolve(context => context.Source.Active);
        Field<StringGraphType, string>("disabledReason").Resolve(context => context.Source.DisabledReason);
        Field<NonNullGraphType<OrderingType>, string>("ordering").Resolve(context => context.Source.Ordering);
        Field<NonNullGraphType<CircuitStateType>, string>("circuitState").Resolve(context => CircuitStateType.Normalize(context.Source.CircuitState));
        Field<DateTimeScalar, DateTimeOffset?>("circuitOpenedAt").Resolve(context => context.Source.CircuitOpenedAt);
        Field<DateTimeScalar, DateTimeOffset?>("nextProbeAt")
            .Description("When the open breaker lets its next probe out (half-open: when the probe went out).")
            .Resolve(context => context.Source.NextProbeAt);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<IntGraphType>>>, IReadOnlyList<int>>("retrySchedule")
            .Description("Delays in seconds before each retry (the profile's default when none was set).")
            .Resolve(context => context.Source.RetrySchedule);
        Field<IntGraphType, int?>("maxAttemptAgeSeconds").Resolve(context => context.Source.MaxAttemptAgeSeconds);
        Field<IntGraphType, int?>("rateLimitPerMinute").Resolve(context => context.Source.RateLimitPerMinute);
        Field<IntGraphType, int?>("disableAfterConsecutiveFailures").Resolve(context => context.Source.DisableAfterConsecutiveFailures);
        Field<WebhookFiltersType, WebhookFilters>("filters").Resolve(context => context.Source.Filters);
        Field<JsonScalar, object>("metadata").Resolve(context => context.Source.Metadata is { } metadata ? JsonSerializer.SerializeToElement(metadata) : null);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("createdAt").Resolve(context => context.Source.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("updatedAt").Resolve(context => context.Source.UpdatedAt);
        Field<NonNullGraphType<DeliveryStatsType>, DeliveryStats>("stats")
            .Argument<DateTimeScalar>("since")
            .ResolveAsync(async context => await context.Ledger().Data.GetStatsAsync(
                context.Source.Id, context.GetArgument<DateTimeOffset?>("since"), context.CancellationToken));
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StatsBucketType>>>, IReadOnlyList<StatsBucketView>>("statsSeries")
            .SeriesArguments()
            .ResolveAsync(async context => await StatsSeriesField.ResolveAsync(context, context.Source.Id));
        Field<NonNullGraphType<DeliveryConnectionType>, Connection<DeliveryView>>("deliveries")
            .Description("This webhook's deliveries, newest first.")
            .Argument<DeliveryFilterInputType>("filter")
            .Paged()
            .After()
            .ResolveAsync(async context =>
            {
                var ledger = context.Ledger();
                var filter = InputMapping.Filter(context.GetArgument<Dictionary<string, object?>>("filter"), context.Source.Id);
                var after = context.GetArgument<string?>("after");
                return await Paging.PageAsync(
                    context.GetArgument("first", Paging.DefaultFirst),
                    limit => ledger.Data.ListDeliveriesAsync(filter, limit, after, context.CancellationToken),
                    Paging.CursorOf);
            });
    }
}

public sealed class WebhookFiltersType : ObjectGraphType<WebhookFilters>
{
    public WebhookFiltersType()
    {
        Name = "WebhookFilters";
        Field<StringGraphType, string>("address").Resolve(context => context.Source.Address);
        Field<StringGraphType, string>("identifier").Resolve(context => context.Source.Identifier);
        Field<StringGraphType, string>("topic").Resolve(context => context.Source.Topic);
    }
}

public sealed class WebhookWithSecretType : ObjectGraphType<WebhookCreated>
{
    public WebhookWithSecretType()
    {
        Name = "WebhookWithSecret";
        Field<NonNullGraphType<WebhookType>, WebhookView>("webhook").Resolve(context => context.Source.Webhook);
        Field<NonNullGraphType<StringGraphType>, string>("secret")
            .Description("The signing secret in full; only create and rotate show it.")
            .Resolve(context => context.Source.Secret);
    }
}

public sealed class DeliveryStatsType : ObjectGraphType<DeliveryStats>
{
    public DeliveryStatsType()
    {
        Name = "DeliveryStats";
        Field<NonNullGraphType<IntGraphType>, int>("total").Resolve(context => context.Source.Total);
        Field<NonNullGraphType<IntGraphType>, int>("delivered").Resolve(context => context.Source.Delivered);
        Field<NonNullGraphType<IntGraphType>, int>("failed").Resolve(context => context.Source.Failed);
        Field<NonNullGraphType<IntGraphType>, int>("pending").Description("Pending and retrying.").Resolve(context => context.Source.Pending);
        Field<FloatGraphType, double?>("successRate").Description("Delivered over settled; null before anything settled.").Resolve(context => context.Source.SuccessRate);
        Field<FloatGraphType, double?>("p50LatencyMs").Resolve(context => context.Source.P50LatencyMs);
        Field<FloatGraphType, double?>("p95LatencyMs").Resolve(context => context.Source.P95LatencyMs);
    }
}
