namespace Ledger.EventStore;

public static class EventStoreExtensions
{
    public static Task<AppendResult> AppendAsync(this IEventStore store, StreamAppend append, CancellationToken cancellationToken = default) =>
        store.AppendAsync([append], cancellationToken);

    public static Task<AppendResult> AppendAsync(this IEventStore store, string streamId, ExpectedVersion expected, NewEvent e, CancellationToken cancellationToken = default) =>
        store.AppendAsync([new StreamAppend(streamId, expected, e)], cancellationToken);
}
