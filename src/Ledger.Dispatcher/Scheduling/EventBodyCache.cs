using System.Collections.Concurrent;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// Published events by ledger position, so a fan-out to many webhooks and every retry read the stored event once.
/// The ledger follower hands over the published events it passes (<see cref="Remember"/>), so a new delivery's
/// event is normally in memory before its enqueue is followed. Bounded: past its size it starts again empty, which
/// costs only re-reads.
/// </summary>
public sealed class EventBodyCache(IEventStore store, int capacity = 20_000)
{
    private static readonly string PublishedType = EventCatalog.NameOf(typeof(EventPublished));

    private readonly ConcurrentDictionary<long, EventPublished> _events = new();

    /// <summary>Keeps a published event that plans deliveries; any other stored event is passed over unread.</summary>
    public void Remember(StoredEvent stored)
    {
        if (stored.Type == PublishedType && EventSerializer.Deserialize(stored) is EventPublished { Deliveries.Count: > 0 } published)
        {
            Add(stored.Position, published);
        }
    }

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
        Add(position, published);
        return published;
    }

    private void Add(long position, EventPublished published)
    {
        if (_events.Count >= capacity)
        {
            _events.Clear();
        }
        _events[position] = published;
    }
}
