using Ledger.EventStore;

namespace Ledger.Server.Tests;

/// <summary>The real event store, except that reading a stream and the health probe throw <see cref="Fault"/> while it is set.</summary>
public sealed class FaultyEventStore(IEventStore inner) : ForwardingEventStore(inner)
{
    public Exception? Fault { get; set; }

    public override Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 0, int maxCount = int.MaxValue, CancellationToken cancellationToken = default) =>
        Fault is { } fault ? Task.FromException<IReadOnlyList<StoredEvent>>(fault) : base.ReadStreamAsync(streamId, fromVersion, maxCount, cancellationToken);

    public override Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default) =>
        Fault is { } fault ? Task.FromException<bool>(fault) : base.IsHealthyAsync(cancellationToken);
}
