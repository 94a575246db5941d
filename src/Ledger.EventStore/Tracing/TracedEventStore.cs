using System.Diagnostics;

namespace Ledger.EventStore.Tracing;

/// <summary>
/// An <see cref="IEventStore"/> decorator that traces each call as a client span of the <c>Ledger</c> source
/// (<c>db.system.name</c>, the stream, positions and counts), so storage shows up in a trace without spans in the
/// code that uses it. Waiting for events and health probes are not traced: they are idle time, not work.
/// </summary>
public sealed class TracedEventStore(IEventStore inner, string system) : IEventStore
{
    public IEventStore Inner => inner;

    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken cancellationToken = default)
    {
        using var activity = Start("append");
        if (activity is not null)
        {
            activity.SetTag("ledger.streams", batch.Count);
            activity.SetTag("ledger.events", batch.Sum(s => s.Events.Count));
            if (batch.Count == 1)
            {
                activity.SetTag("ledger.stream", batch[0].StreamId);
            }
        }
        return await Traced(activity, inner.AppendAsync(batch, cancellationToken), r => activity!.SetTag("ledger.position", r.LastPosition));
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 0, int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        using var activity = Start("read_stream")?.SetTag("ledger.stream", streamId);
        return await Traced(activity, inner.ReadStreamAsync(streamId, fromVersion, maxCount, cancellationToken), r => activity!.SetTag("ledger.events", r.Count));
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        using var activity = Start("read_all")?.SetTag("ledger.after_position", afterPosition);
        return await Traced(activity, inner.ReadAllAsync(afterPosition, maxCount, cancellationToken), r => activity!.SetTag("ledger.events", r.Count));
    }

    public async Task<StoredEvent?> ReadAtAsync(long position, CancellationToken cancellationToken = default)
    {
        using var activity = Start("read_at")?.SetTag("ledger.position", position);
        return await Traced(activity, inner.ReadAtAsync(position, cancellationToken), _ => { });
    }

    public async Task<StoredEvent?> FindByIdempotencyKeyAsync(string streamId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        using var activity = Start("find_by_idempotency_key")?.SetTag("ledger.stream", streamId);
        return await Traced(activity, inner.FindByIdempotencyKeyAsync(streamId, idempotencyKey, cancellationToken), _ => { });
    }

    public async Task<long> ReadStreamVersionAsync(string streamId, CancellationToken cancellationToken = default)
    {
        using var activity = Start("read_stream_version")?.SetTag("ledger.stream", streamId);
        return await Traced(activity, inner.ReadStreamVersionAsync(streamId, cancellationToken), _ => { });
    }

    public async Task<long> ReadHeadPositionAsync(CancellationToken cancellationToken = default)
    {
        using var activity = Start("read_head_position");
        return await Traced(activity, inner.ReadHeadPositionAsync(cancellationToken), p => activity!.SetTag("ledger.position", p));
    }

    public Task WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken) => inner.WaitForEventsAsync(afterPosition, cancellationToken);

    public Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default) => inner.IsHealthyAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private Activity? Start(string operation)
    {
        // Only inside a trace: the background loops' polling would otherwise be a root trace per read.
        if (Activity.Current is null)
        {
            return null;
        }
        var activity = LedgerTracing.Source.StartActivity("eventstore." + operation, ActivityKind.Client);
        activity?.SetTag("db.system.name", system);
        activity?.SetTag("db.operation.name", operation);
        return activity;
    }

    private static async Task<T> Traced<T>(Activity? activity, Task<T> call, Action<T> onResult)
    {
        try
        {
            var result = await call;
            if (activity is not null)
            {
                onResult(result);
            }
            return result;
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            activity.SetTag("error.type", ex.GetType().FullName);
            throw;
        }
    }
}
