using System.Collections.Concurrent;

namespace Ledger.GraphQL.Subscriptions;

/// <summary>
/// The updates one subscription has on their way to its client: taken when the hub hands one over, given back once
/// the transport has written it to the socket. Each also takes its estimated size from its connection's
/// <see cref="ByteBudget"/> until the transport has the message to write (which then holds its exact size). A
/// subscription that would go over either is cut off instead of buffered, so a client that stops reading costs a
/// bounded amount of memory.
/// </summary>
public sealed class SubscriberBudget(int capacity, ByteBudget bytes) : IDisposable
{
    private readonly TaskCompletionSource _exhausted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<long> _estimates = new();
    private int _pending;
    private int _disposed;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the capacity must be positive");

    /// <summary>The connection's budget in bytes.</summary>
    public ByteBudget Bytes { get; } = bytes ?? throw new ArgumentNullException(nameof(bytes));

    /// <summary>Completes when the subscription went over its capacity in updates; it gets nothing more.</summary>
    public Task Exhausted => _exhausted.Task;

    public int Pending => Volatile.Read(ref _pending);

    /// <summary>
    /// Takes room for one more update of about <paramref name="estimatedBytes"/>; false when there is none (and
    /// <see cref="Exhausted"/> or the connection's <see cref="ByteBudget.Exhausted"/> completes).
    /// </summary>
    public bool TryTake(long estimatedBytes)
    {
        if (_exhausted.Task.IsCompleted || Volatile.Read(ref _disposed) == 1)
        {
            return false;
        }
        if (Interlocked.Increment(ref _pending) > Capacity)
        {
            _exhausted.TrySetResult();
            return false;
        }
        if (!Bytes.TryTake(estimatedBytes))
        {
            Interlocked.Decrement(ref _pending);
            return false;
        }
        _estimates.Enqueue(estimatedBytes);
        return true;
    }

    /// <summary>The oldest update handed over is now a message for the transport: its estimate is given back.</summary>
    public void Produced()
    {
        if (_estimates.TryDequeue(out var estimate))
        {
            Bytes.Release(estimate);
        }
    }

    /// <summary>One update has been written to the client.</summary>
    public void Release() => Interlocked.Decrement(ref _pending);

    /// <summary>The subscription ended: estimates of updates that never became messages are given back.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        while (_estimates.TryDequeue(out var estimate))
        {
            Bytes.Release(estimate);
        }
    }
}
