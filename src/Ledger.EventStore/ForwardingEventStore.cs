namespace Ledger.EventStore;

/// <summary>An <see cref="IEventStore"/> that passes every call on to another: decorators derive from it and override what they change.</summary>
public abstract class ForwardingEventStore(IEventStore inner) : IEventStore
{
    /// <summary>The store the calls go to.</summary>
    public IEventStore Inner => inner;

    public virtual Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken cancellationToken = default) =>
        inner.AppendAsync(batch, cancellationToken);

    public virtual Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 0, int maxCount = int.MaxValue, CancellationToken cancellationToken = default) =>
        inner.ReadStreamAsync(streamId, fromVersion, maxCount, cancellationToken);

    public virtual Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default) =>
        inner.ReadAllAsync(afterPosition, maxCount, cancellationToken);

    public virtual Task<StoredEvent?> ReadAtAsync(long position, CancellationToken cancellationToken = default) => inner.ReadAtAsync(position, cancellationToken);

    public virtual Task<StoredEvent?> FindByIdempotencyKeyAsync(string streamId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        inner.FindByIdempotencyKeyAsync(streamId, idempotencyKey, cancellationToken);

    public virtual Task<long> ReadStreamVersionAsync(string streamId, CancellationToken cancellationToken = default) => inner.ReadStreamVersionAsync(streamId, cancellationToken);

    public virtual Task<long> ReadHeadPositionAsync(CancellationToken cancellationToken = default) => inner.ReadHeadPositionAsync(cancellationToken);

    public virtual Task WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken) => inner.WaitForEventsAsync(afterPosition, cancellationToken);

    public virtual Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default) => inner.IsHealthyAsync(cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return inner.DisposeAsync();
    }
}
