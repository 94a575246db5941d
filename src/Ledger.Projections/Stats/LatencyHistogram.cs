namespace Ledger.Projections.Stats;

/// <summary>
/// Fixed latency bins, the same for every bucket, so a bucket's percentiles come from a constant number of counters
/// and buckets add up by adding their bins. A percentile is the upper bound of the bin that holds its rank
/// (the last, open bin answers with its lower bound).
/// </summary>
public static class LatencyHistogram
{
    /// <summary>Upper bounds in milliseconds (inclusive) of every bin but the last, which holds everything slower.</summary>
    public static readonly IReadOnlyList<int> UpperBoundsMs = [1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 30000];

    public static int BinCount => UpperBoundsMs.Count + 1;

    public static int BinOf(int durationMs)
    {
        for (var i = 0; i < UpperBoundsMs.Count; i++)
        {
            if (durationMs <= UpperBoundsMs[i])
            {
                return i;
            }
        }
        return UpperBoundsMs.Count;
    }

    /// <summary>The bin's upper bound, or for the open last bin its lower bound.</summary>
    public static int BoundOf(int bin) => UpperBoundsMs[Math.Min(bin, UpperBoundsMs.Count - 1)];

    /// <summary>The <paramref name="p"/>-th percentile (0–1) of the counted latencies, or null when none were counted.</summary>
    public static double? Percentile(IReadOnlyList<long> bins, double p)
    {
        var total = bins.Sum();
        if (total == 0)
        {
            return null;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(p * total));
        long seen = 0;
        for (var i = 0; i < bins.Count; i++)
        {
            seen += bins[i];
            if (seen >= rank)
            {
                return BoundOf(i);
            }
        }
        return BoundOf(bins.Count - 1);
    }
}
