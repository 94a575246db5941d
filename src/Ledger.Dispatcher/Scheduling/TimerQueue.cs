namespace Ledger.Dispatcher.Scheduling;

/// <summary>Lanes to look at again at a given time: one loop waits for the earliest, on the given clock.</summary>
internal sealed class TimerQueue(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly PriorityQueue<string, DateTimeOffset> _timers = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count;
            }
        }
    }

    public void ScheduleAt(string key, DateTimeOffset at)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _timers.Enqueue(key, at);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Calls <paramref name="due"/> once per key whose time has come (a key scheduled twice is called once), until cancelled.</summary>
    public async Task RunAsync(Action<string> due, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Task changed;
            DateTimeOffset? next;
            var keys = new HashSet<string>(StringComparer.Ordinal);
            lock (_gate)
            {
                var now = time.GetUtcNow();
                while (_timers.TryPeek(out var key, out var at) && at <= now)
                {
                    _timers.Dequeue();
                    keys.Add(key);
                }
                next = _timers.TryPeek(out _, out var nextAt) ? nextAt : null;
                changed = _changed.Task;
            }
            foreach (var key in keys)
            {
                due(key);
            }
            if (keys.Count > 0)
            {
                continue;
            }
            if (next is not { } nextDue)
            {
                await changed.WaitAsync(cancellationToken);
                continue;
            }
            // The timer counts from the clock as it is when the timer is made, which may have moved since the queue
            // was read: made first and the clock checked after, a due time already reached is never waited for again.
            using var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(nextDue - time.GetUtcNow() is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero, time, delayCancel.Token);
            if (time.GetUtcNow() < nextDue)
            {
                await Task.WhenAny(changed, delay);
            }
            await delayCancel.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
