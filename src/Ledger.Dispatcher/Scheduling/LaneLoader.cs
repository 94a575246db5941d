using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>Folds a lane from its whole stream into the cache (a lane behind the ledger, or of a newly owned bucket), then marks it ready.</summary>
internal sealed class LaneLoader(IEventStore store, LaneCache lanes, Action<string> ready)
{
    public async Task LoadAsync(string streamId, CancellationToken cancellationToken)
    {
        var history = await store.ReadStreamAsync(streamId, 0, int.MaxValue, cancellationToken);
        if (history.Count > 0)
        {
            lanes.Load(streamId, [.. history.Select(EventSerializer.Deserialize).OfType<ILedgerEvent>()], history[^1].Version);
        }
        ready(streamId);
    }
}
