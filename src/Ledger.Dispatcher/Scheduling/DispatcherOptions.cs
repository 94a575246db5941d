namespace Ledger.Dispatcher.Scheduling;

/// <summary><c>Ledger:Delivery</c> settings the scheduler follows.</summary>
public sealed class DispatcherOptions
{
    /// <summary>Hard timeout of one attempt, connect included (CONTRACT §4).</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Attempts in flight across all webhooks at once.</summary>
    public int MaxConcurrency { get; set; } = 512;

    /// <summary>Concurrent deliveries to one webhook with <c>ordering: unordered</c>.</summary>
    public int MaxInFlight { get; set; } = 16;

    public bool AllowPrivateNetworks { get; set; }
}
