namespace Ledger.Application.Replay;

/// <summary>Bulk replays (<c>Ledger:Replay</c>): how fast a job redelivers, and how many deliveries one job may take.</summary>
public sealed class ReplayOptions
{
    public const string Section = "Ledger:Replay";

    /// <summary>Redeliveries a job appends per second at most, so a large replay does not crowd out live traffic.</summary>
    public int PerSecond { get; set; } = 50;

    /// <summary>A selection larger than this is refused (LIMIT_EXCEEDED): narrow it, or run several jobs.</summary>
    public int MaxDeliveries { get; set; } = 10_000;

    /// <exception cref="InvalidOperationException">A setting is out of range.</exception>
    public ReplayOptions Validate() =>
        PerSecond is < 1 or > 10_000 ? throw new InvalidOperationException("Ledger:Replay:PerSecond must be between 1 and 10000")
        : MaxDeliveries is < 1 or > 100_000 ? throw new InvalidOperationException("Ledger:Replay:MaxDeliveries must be between 1 and 100000")
        : this;
}
