using Microsoft.Data.Sqlite;

namespace Ledger.EventStore.Sqlite;

/// <summary>
/// A read-only connection with its queries prepared once. WAL lets any number of these read while the writer
/// writes; each query sees the last commit before it started. Used by one caller at a time (see <see cref="SqliteReaderPool"/>).
/// </summary>
internal sealed class SqliteReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly List<SqliteCommand> _commands = [];
    private readonly SqliteCommand _stream;
    private readonly SqliteCommand _all;
    private readonly SqliteCommand _at;
    private readonly SqliteCommand _byIdempotencyKey;
    private readonly SqliteCommand _streamVersion;
    private readonly SqliteCommand _head;

    public SqliteReader(SqliteConnection connection)
    {
        _connection = connection;
        _stream = Prepare(
            $"SELECT {SqliteEventRow.Columns} FROM events WHERE stream_id = $stream AND version >= $from ORDER BY version LIMIT $max",
            "$stream", "$from", "$max");
        _all = Prepare(
            $"SELECT {SqliteEventRow.Columns} FROM events WHERE position > $after ORDER BY position LIMIT $max",
            "$after", "$max");
        _at = Prepare($"SELECT {SqliteEventRow.Columns} FROM events WHERE position = $position", "$position");
        _byIdempotencyKey = Prepare(
            $"SELECT {SqliteEventRow.Columns} FROM events WHERE stream_id = $stream AND idempotency_key = $key",
            "$stream", "$key");
        _streamVersion = Prepare("SELECT version FROM streams WHERE stream_id = $stream", "$stream");
        _head = Prepare("SELECT coalesce(max(position), 0) FROM events");
    }

    public List<StoredEvent> ReadStream(string streamId, long fromVersion, int maxCount)
    {
        _stream.Parameters[0].Value = streamId;
        _stream.Parameters[1].Value = fromVersion;
        _stream.Parameters[2].Value = maxCount;
        return ReadEvents(_stream);
    }

    public List<StoredEvent> ReadAll(long afterPosition, int maxCount)
    {
        _all.Parameters[0].Value = afterPosition;
        _all.Parameters[1].Value = maxCount;
        return ReadEvents(_all);
    }

    public StoredEvent? ReadAt(long position)
    {
        _at.Parameters[0].Value = position;
        return ReadEvent(_at);
    }

    public StoredEvent? FindByIdempotencyKey(string streamId, string idempotencyKey)
    {
        _byIdempotencyKey.Parameters[0].Value = streamId;
        _byIdempotencyKey.Parameters[1].Value = idempotencyKey;
        return ReadEvent(_byIdempotencyKey);
    }

    public long ReadStreamVersion(string streamId)
    {
        _streamVersion.Parameters[0].Value = streamId;
        return _streamVersion.ExecuteScalar() is long version ? version : -1;
    }

    public long ReadHeadPosition() => (long)_head.ExecuteScalar()!;

    public void Dispose()
    {
        foreach (var command in _commands)
        {
            command.Dispose();
        }
        _connection.Dispose();
    }

    private static List<StoredEvent> ReadEvents(SqliteCommand command)
    {
        var events = new List<StoredEvent>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            events.Add(SqliteEventRow.Read(reader));
        }
        return events;
    }

    private static StoredEvent? ReadEvent(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? SqliteEventRow.Read(reader) : null;
    }

    private SqliteCommand Prepare(string sql, params string[] parameterNames)
    {
        var command = _connection.Prepare(sql, parameterNames);
        _commands.Add(command);
        return command;
    }
}
