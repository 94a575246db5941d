using System.Text;

namespace Ledger.EventStore;

/// <summary>Checks every adapter applies before it touches storage, so bad input is refused the same way everywhere.</summary>
public static class AppendValidation
{
    public const int MaxStreamIdLength = 256;
    public const int MaxEventBytes = 1024 * 1024;
    public const int MaxTypeLength = 128;

    public static bool IsValidStreamId(string? streamId) =>
        !string.IsNullOrEmpty(streamId) && streamId.Length <= MaxStreamIdLength
        && streamId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '~' or ':' or '@' or '=' or '+');

    public static void EnsureValidStreamId(string? streamId)
    {
        if (!IsValidStreamId(streamId))
        {
            throw new InvalidAppendException($"'{streamId}' is not a stream name: 1 to {MaxStreamIdLength} characters of A-Z a-z 0-9 _ - . ~ : @ = +");
        }
    }

    public static void Validate(IReadOnlyList<StreamAppend> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            throw new InvalidAppendException("an append needs at least one stream");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var append in batch)
        {
            EnsureValidStreamId(append.StreamId);
            if (!seen.Add(append.StreamId))
            {
                throw new InvalidAppendException($"stream {append.StreamId} appears twice in one batch");
            }
            if (append.ExpectedVersion.Value < -2)
            {
                throw new InvalidAppendException($"{append.ExpectedVersion.Value} is not an expected version");
            }
            if (append.Events.Count == 0)
            {
                throw new InvalidAppendException($"the append to {append.StreamId} has no events");
            }
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in append.Events)
            {
                if (string.IsNullOrEmpty(e.Type) || e.Type.Length > MaxTypeLength)
                {
                    throw new InvalidAppendException($"an event type must be 1 to {MaxTypeLength} characters");
                }
                if (string.IsNullOrEmpty(e.Data))
                {
                    throw new InvalidAppendException($"an event of type {e.Type} has no data");
                }
                if (e.Data.Length > MaxEventBytes || Encoding.UTF8.GetByteCount(e.Data) > MaxEventBytes)
                {
                    throw new InvalidAppendException($"an event of type {e.Type} is over {MaxEventBytes} bytes");
                }
                if (e.IdempotencyKey is not null && !keys.Add(e.IdempotencyKey))
                {
                    throw new DuplicateEventException(append.StreamId, e.IdempotencyKey);
                }
            }
        }
    }
}
