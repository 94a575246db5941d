using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using Ledger.Domain;
using Ledger.GraphQL.Execution;
using Ledger.Projections;
using Ledger.Projections.Stats;

namespace Ledger.GraphQL.Schema;

public sealed class StatsGranularityType : EnumerationGraphType
{
    public StatsGranularityType()
    {
        Name = "StatsGranularity";
        Description = "The width of a statistics bucket; buckets start on whole UTC minutes, hours and days. Minute buckets are kept for a retention "
            + "(`Ledger__Stats__MinuteRetentionDays`, 7 days by default): asking for older ones is refused with VALIDATION_FAILED on `since`; hours and days are kept for good.";
        Add("MINUTE", StatsGranularity.Minute);
        Add("HOUR", StatsGranularity.Hour);
        Add("DAY", StatsGranularity.Day);
    }
}

public sealed class StatsBucketType : ObjectGraphType<StatsBucketView>
{
    public StatsBucketType()
    {
        Name = "StatsBucket";
        Description = "One interval of a statistics series. Deliveries count by the time of their outcome, attempts by the time they started.";
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("start").Resolve(context => context.Source.Start);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("end").Description("Exclusive.").Resolve(context => context.Source.End);
        Field<NonNullGraphType<IntGraphType>, int>("deliveriesCreated").Resolve(context => Clamp(context.Source.DeliveriesCreated));
        Field<NonNullGraphType<IntGraphType>, int>("delivered").Resolve(context => Clamp(context.Source.Delivered));
        Field<NonNullGraphType<IntGraphType>, int>("failed").Description("Terminal failures.").Resolve(context => Clamp(context.Source.Failed));
        Field<NonNullGraphType<IntGraphType>, int>("redeliveries").Resolve(context => Clamp(context.Source.Redeliveries));
        Field<NonNullGraphType<IntGraphType>, int>("attempts").Resolve(context => Clamp(context.Source.Attempts));
        Field<NonNullGraphType<IntGraphType>, int>("attemptsSucceeded").Resolve(context => Clamp(context.Source.AttemptsSucceeded));
        Field<NonNullGraphType<IntGraphType>, int>("attemptsFailed").Resolve(context => Clamp(context.Source.AttemptsFailed));
        Field<NonNullGraphType<AttemptStatusClassesType>, AttemptStatusClasses>("attemptsByStatusClass").Resolve(context => context.Source.StatusClasses);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FailureCodeCountType>>>, IEnumerable<KeyValuePair<string, long>>>("attemptsByFailureCode")
            .Resolve(context => context.Source.FailureCodes.OrderBy(p => p.Key, StringComparer.Ordinal));
        Field<FloatGraphType, double?>("meanLatencyMs").Resolve(context => context.Source.MeanLatencyMs);
        Field<FloatGraphType, double?>("p50LatencyMs")
            .Description("Attempt latency median: the upper bound of the latency bin holding it (see latencyHistogram).")
            .Resolve(context => context.Source.P50LatencyMs);
        Field<FloatGraphType, double?>("p95LatencyMs").Resolve(context => context.Source.P95LatencyMs);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LatencyBinType>>>, IEnumerable<(int Bin, long Count)>>("latencyHistogram")
            .Description("Attempts per latency bin, fastest first (the same bins in every bucket).")
            .Resolve(context => context.Source.LatencyBins.Select((count, bin) => (bin, count)));
    }

    internal static int Clamp(long value) => (int)Math.Min(value, int.MaxValue);
}

public sealed class AttemptStatusClassesType : ObjectGraphType<AttemptStatusClasses>
{
    public AttemptStatusClassesType()
    {
        Name = "AttemptStatusClasses";
        Field<NonNullGraphType<IntGraphType>, int>("status2xx").Resolve(context => StatsBucketType.Clamp(context.Source.Status2xx));
        Field<NonNullGraphType<IntGraphType>, int>("status3xx").Resolve(context => StatsBucketType.Clamp(context.Source.Status3xx));
        Field<NonNullGraphType<IntGraphType>, int>("status4xx").Resolve(context => StatsBucketType.Clamp(context.Source.Status4xx));
        Field<NonNullGraphType<IntGraphType>, int>("status5xx").Resolve(context => StatsBucketType.Clamp(context.Source.Status5xx));
        Field<NonNullGraphType<IntGraphType>, int>("other").Description("Any other status code.").Resolve(context => StatsBucketType.Clamp(context.Source.Other));
        Field<NonNullGraphType<IntGraphType>, int>("noResponse")
            .Description("No answer: timeout, connection, DNS, TLS or a refused destination.")
            .Resolve(context => StatsBucketType.Clamp(context.Source.NoResponse));
    }
}

public sealed class FailureCodeCountType : ObjectGraphType<KeyValuePair<string, long>>
{
    public FailureCodeCountType()
    {
        Name = "FailureCodeCount";
        Field<NonNullGraphType<StringGraphType>, string>("code").Resolve(context => context.Source.Key);
        Field<NonNullGraphType<IntGraphType>, int>("count").Resolve(context => StatsBucketType.Clamp(context.Source.Value));
    }
}

public sealed class LatencyBinType : ObjectGraphType<(int Bin, long Count)>
{
    public LatencyBinType()
    {
        Name = "LatencyBin";
        Field<IntGraphType, int?>("upToMs")
            .Description("The bin's inclusive upper bound in milliseconds; null for the last bin (slower than every bound).")
            .Resolve(context => context.Source.Bin < LatencyHistogram.UpperBoundsMs.Count ? LatencyHistogram.UpperBoundsMs[context.Source.Bin] : null);
        Field<NonNullGraphType<IntGraphType>, int>("count").Resolve(context => StatsBucketType.Clamp(context.Source.Count));
    }
}

/// <summary>The <c>statsSeries</c> field, on Query (any webhook of the tenant, or the whole tenant) and on Webhook.</summary>
internal static class StatsSeriesField
{
    public static FieldBuilder<TSource, IReadOnlyList<StatsBucketView>> SeriesArguments<TSource>(this FieldBuilder<TSource, IReadOnlyList<StatsBucketView>> field) => field
        .Description(
            $"Statistics over time, one bucket per interval from the one holding `since` up to `until` (default: now), empty ones "
            + $"included, at most {ReadModelQueries.MaxStatsBuckets} buckets. Kept by a projection: each bucket is one stored row.")
        .Argument<NonNullGraphType<StatsGranularityType>>("granularity")
        .Argument<NonNullGraphType<DateTimeScalar>>("since")
        .Argument<DateTimeScalar>("until");

    public static async Task<IReadOnlyList<StatsBucketView>> ResolveAsync(IResolveFieldContext context, string? webhookId) =>
        await context.Ledger().Data.GetStatsSeriesAsync(
            webhookId, context.GetArgument<string>("granularity"), context.GetArgument<DateTimeOffset>("since"),
            context.GetArgument<DateTimeOffset?>("until") ?? DateTimeOffset.UtcNow, context.CancellationToken);
}
