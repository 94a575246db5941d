namespace Ledger.Dispatcher.Scheduling;

/// <summary>One lane bucket as this dispatcher holds it (guarded by the <see cref="LaneCache"/>'s gate).</summary>
internal sealed class BucketLease
{
    public bool Owned { get; set; }

    /// <summary>Cancelled when the bucket is lost, or the dispatcher stops.</summary>
    public CancellationTokenSource? Cancel { get; set; }

    public CancellationToken Token => Cancel?.Token ?? new CancellationToken(true);

    /// <summary>Attempts and expiries started on the bucket's lanes and not yet finished.</summary>
    public int InFlight { get; set; }

    /// <summary>Completed when <see cref="InFlight"/> reaches 0 while the bucket is being handed over.</summary>
    public TaskCompletionSource? Drained { get; set; }
}
