namespace Ledger.EventStore.Cluster;

/// <summary><c>Ledger:Cluster</c>: how instances sharing a PostgreSQL database split the work.</summary>
public sealed class ClusterOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "Ledger:Cluster";

    /// <summary>Buckets the lanes are hashed into; the unit of ownership. Every instance must use the same number.</summary>
    public int LaneBuckets { get; set; } = 64;

    /// <summary>How often an instance checks its leases, tries for free ones and rebalances.</summary>
    public double LeaseCheckSeconds { get; set; } = 1;

    /// <summary>
    /// How long a newly taken bucket waits before its lanes are sent: time for an instance that lost the lease
    /// without noticing yet (its connection dropped under it) to notice and stop.
    /// </summary>
    public double TakeoverGraceSeconds { get; set; } = 2;

    public TimeSpan LeaseCheckInterval => TimeSpan.FromSeconds(LeaseCheckSeconds);

    public TimeSpan TakeoverGrace => TimeSpan.FromSeconds(TakeoverGraceSeconds);

    /// <exception cref="InvalidOperationException">A setting is out of range (the message names it).</exception>
    public void Validate()
    {
        if (LaneBuckets is < 1 or > 4096)
        {
            throw new InvalidOperationException("Ledger:Cluster:LaneBuckets must be between 1 and 4096");
        }
        if (LeaseCheckSeconds is < 0.05 or > 30)
        {
            throw new InvalidOperationException("Ledger:Cluster:LeaseCheckSeconds must be between 0.05 and 30");
        }
        if (TakeoverGraceSeconds is < 0 or > 300)
        {
            throw new InvalidOperationException("Ledger:Cluster:TakeoverGraceSeconds must be between 0 and 300");
        }
    }
}
