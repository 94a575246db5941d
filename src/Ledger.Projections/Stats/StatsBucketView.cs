namespace Ledger.Projections.Stats;

/// <summary>
/// One bucket of a webhook's (or a whole tenant's) statistics: deliveries by outcome in that interval (by the time of
/// the outcome), attempts by when they started, their status classes, failure codes and latency bins.
/// </summary>
public sealed record StatsBucketView(
    DateTimeOffset Start,
    DateTimeOffset End,
    long DeliveriesCreated,
    long Delivered,
    long Failed,
    long Redeliveries,
    long Attempts,
    long AttemptsSucceeded,
    long AttemptsFailed,
    AttemptStatusClasses StatusClasses,
    IReadOnlyDictionary<string, long> FailureCodes,
    long LatencySumMs,
    IReadOnlyList<long> LatencyBins)
{
    public double? MeanLatencyMs => Attempts == 0 ? null : (double)LatencySumMs / Attempts;

    public double? P50LatencyMs => LatencyHistogram.Percentile(LatencyBins, 0.50);

    public double? P95LatencyMs => LatencyHistogram.Percentile(LatencyBins, 0.95);

    public static StatsBucketView Empty(DateTimeOffset start, DateTimeOffset end) =>
        new(start, end, 0, 0, 0, 0, 0, 0, 0, new AttemptStatusClasses(0, 0, 0, 0, 0, 0), new Dictionary<string, long>(),
            0, new long[LatencyHistogram.BinCount]);

    /// <summary>The same bucket over several webhooks: every count added (the latency bins too, so percentiles stay bin bounds).</summary>
    public static StatsBucketView Sum(DateTimeOffset start, DateTimeOffset end, IReadOnlyCollection<StatsBucketView> buckets) =>
        new(
            start, end,
            buckets.Sum(b => b.DeliveriesCreated), buckets.Sum(b => b.Delivered), buckets.Sum(b => b.Failed), buckets.Sum(b => b.Redeliveries),
            buckets.Sum(b => b.Attempts), buckets.Sum(b => b.AttemptsSucceeded), buckets.Sum(b => b.AttemptsFailed),
            new AttemptStatusClasses(
                buckets.Sum(b => b.StatusClasses.Status2xx), buckets.Sum(b => b.StatusClasses.Status3xx), buckets.Sum(b => b.StatusClasses.Status4xx),
                buckets.Sum(b => b.StatusClasses.Status5xx), buckets.Sum(b => b.StatusClasses.Other), buckets.Sum(b => b.StatusClasses.NoResponse)),
            buckets.SelectMany(b => b.FailureCodes).GroupBy(c => c.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(c => c.Value), StringComparer.Ordinal),
            buckets.Sum(b => b.LatencySumMs),
            [.. Enumerable.Range(0, LatencyHistogram.BinCount).Select(bin => buckets.Sum(b => b.LatencyBins.Count > bin ? b.LatencyBins[bin] : 0))]);
}

/// <summary>Attempts by the class of the receiver's answer; <c>NoResponse</c> when none came (timeout, connection, DNS…).</summary>
public sealed record AttemptStatusClasses(long Status2xx, long Status3xx, long Status4xx, long Status5xx, long Other, long NoResponse);
