using Ledger.EventStore;

namespace Ledger.Server.Tests;

/// <summary>The real event store, except that reading a stream and the health probe throw <see cref="Fault"/> while it is set.</summary>
public sealed class FaultyEventStore(IEventStore inner) : IEventStore
{
    public Exception? Fault { get; set; }

    public Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken cancellationToken = default) => inner.AppendAsync(batch, cancellationToken);

    public Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 0, int maxCount = int.MaxValue, CancellationToken cancellationToken = default) =>
        Fault is { } fault ? Task.FromException<IReadOnlyList<StoredEvent>>(fault) : inner.ReadStreamAsync(streamId, fromVersion, maxCount, cancellationToken);

    public Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default) => inner.ReadAllAsync(afterPosition, maxCount, cancellationToken);

    public Task<StoredEvent?> ReadAtAsync(long position, CancellationToken cancellationToken = default) => inner.ReadAtAsync(position, cancellationToken);

    public Task<StoredEvent?> FindByIdempotencyKeyAsync(string streamId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        inner.FindByIdempotencyKeyAsync(streamId, idempotencyKey, cancellationToken);

    public Task<long> ReadStreamVersionAsync(string streamId, CancellationToken cancellationToken = default) => inner.ReadStreamVersionAsync(streamId, cancellationToken);

    public Task<long> ReadHeadPositionAsync(CancellationToken cancellationToken = default) => inner.ReadHeadPositionAsync(cancellationToken);

    public Task WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken) => inner.WaitForEventsAsync(afterPosition, cancellationToken);

    public Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default) =>
        Fault is { } fault ? Task.FromException<bool>(fault) : inner.IsHealthyAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
