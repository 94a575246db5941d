namespace Ledger.EventStore;

/// <summary>
/// An <see cref="IEventStore"/> decorator that keeps the newest stretch of the global order that any caller read with
/// <see cref="ReadAllAsync"/>, so that the other in-process followers of the same batches (the projection runner, the
/// fan-out, the dispatcher and the delivery policies each read every batch) are answered from memory instead of
/// each querying the database for the same rows.
/// <para>
/// It is exact because the port promises followers a gap-free order: once a read has returned the events after a
/// position, no event can later appear among them. The window holds only what reads returned, contiguously: the
/// position its first read started after, and every event from there on up to its last; a read that starts inside
/// the window is answered from it (possibly with fewer events than asked for, which the port allows), and a read at
/// its end or outside it goes to the store. A read that starts past the window moves the window there; older reads
/// (a consumer catching up) leave it alone. Everything else passes straight through.
/// </para>
/// </summary>
public sealed class TailCachingEventStore(IEventStore inner, int capacity = TailCachingEventStore.DefaultCapacity) : ForwardingEventStore(inner)
{
    /// <summary>Events kept; at a few hundred bytes each, a few MiB.</summary>
    public const int DefaultCapacity = 8_192;

    private readonly Lock _gate = new();
    private readonly List<StoredEvent> _window = new(Math.Min(capacity, 1_024));
    private long _windowAfter = -1;

    public override async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        if (maxCount > 0 && FromWindow(afterPosition, maxCount) is { } remembered)
        {
            return remembered;
        }
        var read = await base.ReadAllAsync(afterPosition, maxCount, cancellationToken);
        Remember(afterPosition, read);
        return read;
    }

    /// <summary>The events after <paramref name="afterPosition"/> the window holds, or null when it cannot say.</summary>
    private List<StoredEvent>? FromWindow(long afterPosition, int maxCount)
    {
        lock (_gate)
        {
            if (_window.Count == 0 || afterPosition < _windowAfter || afterPosition >= _window[^1].Position)
            {
                return null;
            }
            var first = FirstAfter(afterPosition);
            return _window.GetRange(first, Math.Min(maxCount, _window.Count - first));
        }
    }

    private void Remember(long afterPosition, IReadOnlyList<StoredEvent> read)
    {
        if (read.Count == 0)
        {
            return;
        }
        lock (_gate)
        {
            if (_window.Count > 0 && afterPosition == _window[^1].Position)
            {
                // The next stretch: the window grows.
                _window.AddRange(read);
            }
            else if (_window.Count == 0 || read[0].Position > _window[^1].Position)
            {
                // Past the window (or the first read): start again there.
                _window.Clear();
                _window.AddRange(read);
                _windowAfter = afterPosition;
            }
            else
            {
                // A consumer catching up behind the window: the window stays where the newest readers are.
                return;
            }
            if (_window.Count > capacity)
            {
                var dropped = _window.Count - capacity;
                _windowAfter = _window[dropped - 1].Position;
                _window.RemoveRange(0, dropped);
            }
        }
    }

    /// <summary>The index of the first event in the window after <paramref name="position"/> (which is inside the window).</summary>
    private int FirstAfter(long position)
    {
        int low = 0, high = _window.Count - 1;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_window[middle].Position > position)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }
        return low;
    }
}
