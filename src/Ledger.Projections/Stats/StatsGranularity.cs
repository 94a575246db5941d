namespace Ledger.Projections.Stats;

/// <summary>The widths of statistics buckets; every bucket starts at a whole minute, hour or UTC day.</summary>
public static class StatsGranularity
{
    public const string Minute = "minute";
    public const string Hour = "hour";
    public const string Day = "day";

    public static readonly IReadOnlyList<string> All = [Minute, Hour, Day];

    public static long WidthMicros(string granularity) => granularity switch
    {
        Minute => 60_000_000L,
        Hour => 3_600_000_000L,
        Day => 86_400_000_000L,
        _ => throw new ArgumentOutOfRangeException(nameof(granularity), granularity, "not a statistics granularity"),
    };

    /// <summary>The start of the bucket holding <paramref name="micros"/> (Unix microseconds).</summary>
    public static long StartOf(string granularity, long micros)
    {
        var width = WidthMicros(granularity);
        return micros - (((micros % width) + width) % width);
    }
}
