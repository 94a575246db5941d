namespace Ledger.EventStore;

/// <summary>A monotonically advancing position that tasks can wait on.</summary>
public sealed class PositionSignal
{
    private readonly Lock _gate = new();
    private long _current;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Current => Volatile.Read(ref _current);

    public void Advance(long position)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (position <= _current)
            {
                return;
            }
            _current = position;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public void Reset()
    {
        lock (_gate)
        {
            _current = 0;
        }
    }

    public async Task WaitAsync(long position, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_current >= position)
                {
                    return;
                }
                changed = _changed.Task;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }
}
