namespace Ledger.EventStore.Checkpoints;

/// <summary>
/// Stores one consumer's checkpoint at most once per interval, not after every batch: for consumers that redo
/// work safely (idempotent), a checkpoint a little behind costs a few replays after a crash and saves a write per
/// batch. <see cref="FlushAsync"/> stores the latest position at once (when the consumer goes idle or stops).
/// </summary>
public sealed class CheckpointCommitter(ICheckpointStore store, string consumer, TimeProvider time, TimeSpan? interval = null)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    private readonly TimeSpan _interval = interval ?? DefaultInterval;
    private long _pending = -1;
    private long _stored = -1;
    private long _storedAt;

    /// <summary>The last position stored (-1: none yet).</summary>
    public long Stored => _stored;

    /// <summary>Takes the position as done; stores it when the last store is at least an interval old.</summary>
    public async Task CommitAsync(long position, CancellationToken cancellationToken)
    {
        _pending = Math.Max(_pending, position);
        if (_stored < 0 || time.GetElapsedTime(_storedAt) >= _interval)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Stores the latest committed position now, if it is not stored yet.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending <= _stored)
        {
            return;
        }
        var position = _pending;
        await store.StoreAsync(consumer, position, cancellationToken);
        _stored = position;
        _storedAt = time.GetTimestamp();
    }
}
