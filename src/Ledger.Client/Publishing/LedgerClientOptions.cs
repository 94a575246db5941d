namespace Ledger.Client.Publishing;

public sealed class LedgerClientOptions
{
    /// <summary>How often a request answered <c>429</c> or <c>503</c> is sent again before the error is thrown.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The wait before a retry when the answer has no <c>Retry-After</c>; doubled on each retry.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait before a retry, whatever <c>Retry-After</c> asks for.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Makes the idempotency key of a publish that has none; a retried publish then creates one event.</summary>
    public Func<string> NewEventId { get; set; } = () => "evt_" + Guid.CreateVersion7().ToString("N");

    /// <summary>The clock the retry waits run on (tests replace it).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;
}
