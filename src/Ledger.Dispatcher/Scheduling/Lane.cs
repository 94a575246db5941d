using Ledger.Domain;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>One lane as the dispatcher holds it (guarded by the <see cref="LaneCache"/>'s gate).</summary>
internal sealed class Lane(string streamId, int bucket)
{
    public string StreamId { get; } = streamId;

    public int Bucket { get; } = bucket;

    public LaneState State { get; set; } = LaneState.Empty;

    /// <summary>The version of the last event applied (-1: none).</summary>
    public long Version { get; set; } = -1;

    /// <summary>Deliveries of this lane being attempted (or expired) right now.</summary>
    public HashSet<string> InFlight { get; } = new(StringComparer.Ordinal);

    public void Apply(IEnumerable<ILedgerEvent> events)
    {
        foreach (var e in events)
        {
            State = DeliveryLane.Evolve(State, e);
            Version++;
        }
        State = DeliveryLane.Compact(State);
    }
}
