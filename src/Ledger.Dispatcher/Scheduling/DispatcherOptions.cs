using Ledger.Dispatcher.Policies;

namespace Ledger.Dispatcher.Scheduling;

/// <summary><c>Ledger:Delivery</c> settings the scheduler follows.</summary>
public sealed class DispatcherOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "Ledger:Delivery";

    /// <summary>Hard timeout of one attempt, connect included (docs/delivery-semantics.md).</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Attempts in flight across all webhooks at once.</summary>
    public int MaxConcurrency { get; set; } = 512;

    /// <summary>Concurrent deliveries to one webhook with <c>ordering: unordered</c>.</summary>
    public int MaxInFlight { get; set; } = 16;

    public bool AllowPrivateNetworks { get; set; }

    /// <summary>The circuit breaker per webhook (<c>Ledger:Delivery:Breaker</c>).</summary>
    public BreakerOptions Breaker { get; set; } = new();

    /// <summary>
    /// Consecutive terminal failures after which a <c>v2k</c> webhook that sets no threshold of its own is disabled;
    /// 0 switches it off. Webhooks of other profiles are disabled only when they set <c>disableAfterConsecutiveFailures</c>.
    /// </summary>
    public int DisableAfterConsecutiveFailures { get; set; } = 10;
}
