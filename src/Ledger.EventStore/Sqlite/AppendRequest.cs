namespace Ledger.EventStore.Sqlite;

/// <summary>
/// One caller's validated batch waiting for the writer. A caller may cancel it only while it waits in the queue:
/// once the writer has taken it, the caller learns the truth (committed or not) whatever its token says.
/// </summary>
internal sealed class AppendRequest(StreamAppend[] streams, long bytes)
{
    private const int Queued = 0;
    private const int Taken = 1;
    private const int Cancelled = 2;

    private int _state = Queued;

    public StreamAppend[] Streams { get; } = streams;

    /// <summary>The size of its event data, for the writer's per-transaction budget.</summary>
    public long Bytes { get; } = bytes;

    /// <summary>Completed by the writer only after the transaction holding it has committed (or failed).</summary>
    public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The writer's claim: false when the caller cancelled first.</summary>
    public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

    public void Cancel(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            Completion.TrySetCanceled(cancellationToken);
        }
    }
}
