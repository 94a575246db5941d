using Ledger.Domain;

namespace Ledger.Dispatcher.Policies;

/// <summary>What the policies know of one webhook (guarded by the policies' gate, except <see cref="Transitions"/>).</summary>
internal sealed class WebhookHealth(string webhookId)
{
    public string WebhookId { get; } = webhookId;

    /// <summary>Whether the webhook stream has been read; until then its deliveries wait.</summary>
    public bool Loaded { get; set; }

    /// <summary>A webhook-stream event went by while the stream was being read: read it again.</summary>
    public bool Stale { get; set; }

    /// <summary>The version of the last webhook-stream event applied (-1: none).</summary>
    public long Version { get; set; } = -1;

    public BreakerState Breaker { get; set; } = BreakerState.Closed;

    public DisableState Disable { get; set; } = DisableState.Enabled;

    public RateLimitWindow Window { get; set; } = RateLimitWindow.Empty;

    /// <summary>A claim of the probe is being appended; no other is started meanwhile.</summary>
    public bool Claiming { get; set; }

    /// <summary>One transition of this webhook at a time per instance; instances among themselves meet at the expected version.</summary>
    public SemaphoreSlim Transitions { get; } = new(1, 1);

    public void ApplyStreamEvent(ILedgerEvent e)
    {
        Breaker = CircuitBreaker.Evolve(Breaker, e);
        Disable = AutoDisable.Evolve(Disable, e);
        Version++;
    }
}
