using Microsoft.Data.Sqlite;

namespace Ledger.EventStore.Sqlite;

/// <summary>How an event is laid out in the <c>events</c> table.</summary>
internal static class SqliteEventRow
{
    public const string Columns = "position, stream_id, version, type, occurred_at, data, hash, idempotency_key, hash_version";

    private const long UnixEpochTicks = 621_355_968_000_000_000;

    /// <summary>Microseconds since the Unix epoch, UTC: sortable, exact for a truncated time.</summary>
    public static long ToMicroseconds(DateTimeOffset truncated) => (truncated.UtcTicks - UnixEpochTicks) / 10;

    public static DateTimeOffset FromMicroseconds(long microseconds) => new(UnixEpochTicks + (microseconds * 10), TimeSpan.Zero);

    /// <summary>Reads the row under the reader's cursor, selected with <see cref="Columns"/>.</summary>
    public static StoredEvent Read(SqliteDataReader reader) => new(
        StreamId: reader.GetString(1),
        Version: reader.GetInt64(2),
        Position: reader.GetInt64(0),
        Type: reader.GetString(3),
        OccurredAt: FromMicroseconds(reader.GetInt64(4)),
        Data: reader.GetString(5),
        Hash: reader.GetString(6),
        IdempotencyKey: reader.IsDBNull(7) ? null : reader.GetString(7))
    {
        HashVersion = reader.GetInt32(8),
    };
}
