namespace Ledger.GraphQL.Subscriptions;

/// <summary>
/// The bytes of updates one WebSocket connection holds for its client: taken when the hub hands an update over (an
/// estimate) and when a message is queued to be written (its exact size), given back as each is produced and
/// written. A connection whose client stops reading runs out and is closed, so it costs at most this much memory,
/// whatever the size of the events. An empty budget takes any one message, so a single large answer still goes out.
/// </summary>
public sealed class ByteBudget(long capacity)
{
    private readonly TaskCompletionSource _exhausted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _used;

    public long Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the capacity must be positive");

    /// <summary>Bytes held now.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <summary>Completes when something did not fit; the connection gets nothing more.</summary>
    public Task Exhausted => _exhausted.Task;

    public bool TryTake(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_exhausted.Task.IsCompleted)
        {
            return false;
        }
        var used = Interlocked.Add(ref _used, bytes);
        if (used <= Capacity || used == bytes)
        {
            return true;
        }
        Interlocked.Add(ref _used, -bytes);
        _exhausted.TrySetResult();
        return false;
    }

    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}
