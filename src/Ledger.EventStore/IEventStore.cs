namespace Ledger.EventStore;

/// <summary>
/// The event-store port: append to streams atomically with expected versions, read a stream, read everything in
/// commit order from a global position, and be woken when something commits. Adapters: SQLite and PostgreSQL,
/// held to one conformance suite.
/// </summary>
public interface IEventStore : IAsyncDisposable
{
    /// <summary>
    /// Appends to one or several streams in one transaction: all of it is written, or nothing (a typed
    /// <see cref="EventStoreException"/> says why). Concurrent calls may share a commit (group commit), but each
    /// call stays atomic and independent of the others.
    /// </summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken cancellationToken = default);

    /// <summary>Events of one stream from <paramref name="fromVersion"/> on, in version order.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 0, int maxCount = int.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>Events of every stream with a position greater than <paramref name="afterPosition"/>, in commit order, without gaps.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>The event at one global position, or null.</summary>
    Task<StoredEvent?> ReadAtAsync(long position, CancellationToken cancellationToken = default);

    /// <summary>The event of a stream appended with this idempotency key, or null.</summary>
    Task<StoredEvent?> FindByIdempotencyKeyAsync(string streamId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>The version of a stream's last event, or -1 when the stream has none.</summary>
    Task<long> ReadStreamVersionAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>The position of the last committed event readers may see (0 for an empty store).</summary>
    Task<long> ReadHeadPositionAsync(CancellationToken cancellationToken = default);

    /// <summary>Completes once an event past <paramref name="afterPosition"/> is readable, or when cancelled.</summary>
    Task WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken);

    /// <summary>Whether the storage answers now (for <c>/healthz</c>).</summary>
    Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default);
}

/// <summary>What the stream's last version must be for an append to go through.</summary>
public readonly record struct ExpectedVersion(long Value)
{
    /// <summary>No check.</summary>
    public static readonly ExpectedVersion Any = new(-2);

    /// <summary>The stream must have no events yet.</summary>
    public static readonly ExpectedVersion NoStream = new(-1);

    /// <summary>The stream's last event must have this version (versions count from 0).</summary>
    public static ExpectedVersion At(long version) =>
        version >= 0 ? new(version) : throw new ArgumentOutOfRangeException(nameof(version), version, "a stream version is 0 or more");

    public override string ToString() => Value switch { -2 => "any", -1 => "no stream", _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}

/// <summary>An event to append. <see cref="Data"/> is JSON text, stored byte for byte. An idempotency key is unique within its stream.</summary>
public sealed record NewEvent(string Type, string Data, DateTimeOffset OccurredAt, string? IdempotencyKey = null);

public sealed record StreamAppend(string StreamId, ExpectedVersion ExpectedVersion, IReadOnlyList<NewEvent> Events)
{
    public StreamAppend(string streamId, ExpectedVersion expectedVersion, params NewEvent[] events)
        : this(streamId, expectedVersion, (IReadOnlyList<NewEvent>)events)
    {
    }
}

/// <summary>
/// An event as stored. <see cref="Hash"/> is SHA-256 over its content and the previous hash of its stream
/// (<see cref="EventHash"/>); <see cref="OccurredAt"/> is kept to the microsecond.
/// </summary>
public sealed record StoredEvent(
    string StreamId,
    long Version,
    long Position,
    string Type,
    DateTimeOffset OccurredAt,
    string Data,
    string Hash,
    string? IdempotencyKey)
{
    /// <summary>Which rule of <see cref="EventHash"/> <see cref="Hash"/> was computed with (1 for events written before version 2).</summary>
    public int HashVersion { get; init; } = EventHash.CurrentVersion;
}

/// <summary>For each stream of the batch, its new last version and the positions its events took.</summary>
public sealed record AppendResult(IReadOnlyList<StreamAppendResult> Streams)
{
    public long LastPosition => Streams.Count == 0 ? 0 : Streams.Max(s => s.LastPosition);
}

public sealed record StreamAppendResult(string StreamId, long LastVersion, long FirstPosition, long LastPosition);
