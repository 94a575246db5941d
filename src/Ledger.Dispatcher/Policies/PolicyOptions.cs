using Ledger.Domain;

namespace Ledger.Dispatcher.Policies;

/// <summary><c>Ledger:Delivery:Breaker</c> settings (docs/delivery-semantics.md).</summary>
public sealed class BreakerOptions
{
    public int FailureThreshold { get; set; } = 5;

    public int CooldownSeconds { get; set; } = 30;

    public int MaxCooldownSeconds { get; set; } = 600;

    /// <summary>How long a half-open breaker waits for its probe's outcome before another delivery may probe.</summary>
    public int ProbeTimeoutSeconds { get; set; } = 120;

    public BreakerSettings ToSettings() => new(FailureThreshold, CooldownSeconds, MaxCooldownSeconds, ProbeTimeoutSeconds);
}
