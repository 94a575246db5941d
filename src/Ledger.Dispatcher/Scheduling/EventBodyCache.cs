using System.Collections.Concurrent;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// Published events by ledger position, so a fan-out to many webhooks and every retry read the stored event once.
/// Bounded: past its size it starts again empty, which costs only re-reads.
/// </summary>
public sealed class EventBodyCache(IEventStore store, int capacity = 20_000)
{
    private readonly ConcurrentDictionary<long, EventPublished> _events = new();

    public async Task<EventPublished?> GetAsync(long position, CancellationToken cancellationToken)
    {
        if (_events.TryGetValue(position, out var cached))
        {
            return cached;
        }
        var stored = await store.ReadAtAsync(position, cancellationToken);
        if (stored is null || EventSerializer.Deserialize(stored) is not EventPublished published)
        {
            return null;
        }
        if (_events.Count >= capacity)
        {
            _events.Clear();
        }
        _events[position] = published;
        return published;
    }
}
