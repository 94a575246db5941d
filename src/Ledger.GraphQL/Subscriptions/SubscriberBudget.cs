namespace Ledger.GraphQL.Subscriptions;

/// <summary>
/// The updates one subscription has on their way to its client: taken when the hub hands one over, given back once
/// the transport has written it to the socket. A subscription that would go over its capacity is cut off instead of
/// buffered, so a client that stops reading costs a bounded amount of memory.
/// </summary>
public sealed class SubscriberBudget(int capacity)
{
    private readonly TaskCompletionSource _exhausted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the capacity must be positive");

    /// <summary>Completes when the subscription went over its capacity; it gets nothing more.</summary>
    public Task Exhausted => _exhausted.Task;

    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Takes room for one more update; false (and <see cref="Exhausted"/> completes) when there is none.</summary>
    public bool TryTake()
    {
        if (_exhausted.Task.IsCompleted)
        {
            return false;
        }
        if (Interlocked.Increment(ref _pending) <= Capacity)
        {
            return true;
        }
        _exhausted.TrySetResult();
        return false;
    }

    /// <summary>One update has been written to the client.</summary>
    public void Release() => Interlocked.Decrement(ref _pending);
}
