namespace Ledger.EventStore;

/// <summary>The port saying no. Nothing of the batch was written.</summary>
public abstract class EventStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The stream's version was not the expected one: another writer got there first.</summary>
public sealed class WrongExpectedVersionException(string streamId, ExpectedVersion expected, long actual)
    : EventStoreException($"stream {streamId} is at version {actual}, not {expected}")
{
    public string StreamId { get; } = streamId;
    public ExpectedVersion Expected { get; } = expected;

    /// <summary>The stream's last version (-1 when it has no events).</summary>
    public long Actual { get; } = actual;
}

/// <summary>An event with this idempotency key is already in the stream.</summary>
public sealed class DuplicateEventException(string streamId, string idempotencyKey)
    : EventStoreException($"stream {streamId} already holds an event with idempotency key {idempotencyKey}")
{
    public string StreamId { get; } = streamId;
    public string IdempotencyKey { get; } = idempotencyKey;
}

/// <summary>The request itself is malformed: a bad stream name, an empty or oversized event, a bad expected version.</summary>
public sealed class InvalidAppendException(string message) : EventStoreException(message);

/// <summary>The storage cannot be reached or failed; the append may be retried.</summary>
public sealed class EventStoreUnavailableException(string message, Exception? inner = null) : EventStoreException(message, inner);
