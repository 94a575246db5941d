namespace Ledger.Projections.Stats;

/// <summary>
/// How long minute buckets are kept (<c>Ledger:Stats:MinuteRetentionDays</c>); hour and day buckets are kept for good.
/// The cut falls on a whole hour, so that a chart asking for exactly the retention back from now is still answered.
/// </summary>
public sealed class StatsRetention(TimeSpan minuteRetention, TimeProvider time)
{
    public TimeSpan MinuteRetention => minuteRetention;

    /// <summary>The start of the oldest minute bucket kept now (Unix microseconds): older ones are pruned and refused.</summary>
    public long MinuteCutoffMicros() => StatsGranularity.StartOf(StatsGranularity.Hour, Micros.From(time.GetUtcNow() - minuteRetention));
}

/// <summary>Statistics settings (<c>Ledger:Stats</c>).</summary>
public sealed class StatsOptions
{
    public const string Section = "Ledger:Stats";

    /// <summary>Days of minute buckets kept; older ones are deleted (hour and day buckets cover them).</summary>
    public int MinuteRetentionDays { get; set; } = 7;

    /// <exception cref="InvalidOperationException">A setting is out of range.</exception>
    public StatsOptions Validate() =>
        MinuteRetentionDays is < 1 or > 3650 ? throw new InvalidOperationException("Ledger:Stats:MinuteRetentionDays must be between 1 and 3650") : this;
}
