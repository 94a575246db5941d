using Microsoft.Data.Sqlite;

namespace Ledger.EventStore.Sqlite;

/// <summary>What became of one request of a group: its result, or the typed reason it was refused.</summary>
internal readonly record struct AppendOutcome(AppendResult? Result, EventStoreException? Refusal);

/// <summary>
/// The only connection that writes. It runs a group of requests as one transaction with a savepoint per request,
/// so a refused request is rolled back alone while the others commit together. Its statements are prepared
/// once and reused. Not thread-safe: the store's writer loop is its only caller.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly List<SqliteCommand> _commands = [];
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly SqliteCommand _savepoint;
    private readonly SqliteCommand _release;
    private readonly SqliteCommand _rollbackToSavepoint;
    private readonly SqliteCommand _head;
    private readonly SqliteCommand _streamHead;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _upsertStream;

    public SqliteWriter(SqliteConnection connection)
    {
        _connection = connection;
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        _savepoint = Prepare("SAVEPOINT request");
        _release = Prepare("RELEASE request");
        _rollbackToSavepoint = Prepare("ROLLBACK TO request");
        _head = Prepare("SELECT coalesce(max(position), 0) FROM events");
        _streamHead = Prepare("SELECT version, hash FROM streams WHERE stream_id = $stream", "$stream");
        // The conflict target is the partial idempotency index only: a clash there skips the row (and the
        // request is refused as a duplicate), while any other constraint still fails loudly.
        _insert = Prepare(
            """
            INSERT INTO events (position, stream_id, version, type, occurred_at, data, hash, idempotency_key, hash_version)
            VALUES ($position, $stream, $version, $type, $occurred_at, $data, $hash, $key, 2)
            ON CONFLICT (stream_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            """,
            "$position", "$stream", "$version", "$type", "$occurred_at", "$data", "$hash", "$key");
        _upsertStream = Prepare(
            """
            INSERT INTO streams (stream_id, version, hash) VALUES ($stream, $version, $hash)
            ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, hash = excluded.hash
            """,
            "$stream", "$version", "$hash");
    }

    /// <summary>
    /// Runs the group in one transaction and commits it, filling <paramref name="outcomes"/>. A SQLite failure
    /// rolls the whole group back and is thrown: then nothing of it was written.
    /// </summary>
    /// <returns>The position of the last committed event.</returns>
    public long Write(IReadOnlyList<AppendRequest> group, AppendOutcome[] outcomes)
    {
        _begin.ExecuteNonQuery();
        try
        {
            var head = (long)_head.ExecuteScalar()!;
            for (var i = 0; i < group.Count; i++)
            {
                _savepoint.ExecuteNonQuery();
                var mark = head;
                try
                {
                    outcomes[i] = new(Append(group[i].Streams, ref head), null);
                    _release.ExecuteNonQuery();
                }
                catch (EventStoreException refusal)
                {
                    _rollbackToSavepoint.ExecuteNonQuery();
                    _release.ExecuteNonQuery();
                    head = mark;
                    outcomes[i] = new(null, refusal);
                }
            }
            _commit.ExecuteNonQuery();
            return head;
        }
        catch
        {
            RollbackIfOpen();
            throw;
        }
    }

    /// <summary>The position of the last committed event (0 for an empty ledger).</summary>
    public long ReadHead() => (long)_head.ExecuteScalar()!;

    public void Dispose()
    {
        foreach (var command in _commands)
        {
            command.Dispose();
        }
        _connection.Dispose();
    }

    private AppendResult Append(StreamAppend[] streams, ref long head)
    {
        var results = new StreamAppendResult[streams.Length];
        for (var s = 0; s < streams.Length; s++)
        {
            var append = streams[s];
            var (version, hash) = ReadStreamHead(append.StreamId);
            if (append.ExpectedVersion != ExpectedVersion.Any && append.ExpectedVersion.Value != version)
            {
                throw new WrongExpectedVersionException(append.StreamId, append.ExpectedVersion, version);
            }
            var first = head + 1;
            foreach (var e in append.Events)
            {
                version++;
                head++;
                var occurredAt = EventHash.Truncate(e.OccurredAt);
                hash = EventHash.Compute(hash, append.StreamId, version, e.Type, occurredAt, e.Data);
                var parameters = _insert.Parameters;
                parameters[0].Value = head;
                parameters[1].Value = append.StreamId;
                parameters[2].Value = version;
                parameters[3].Value = e.Type;
                parameters[4].Value = SqliteEventRow.ToMicroseconds(occurredAt);
                parameters[5].Value = e.Data;
                parameters[6].Value = hash;
                parameters[7].Value = (object?)e.IdempotencyKey ?? DBNull.Value;
                if (_insert.ExecuteNonQuery() == 0)
                {
                    throw new DuplicateEventException(append.StreamId, e.IdempotencyKey!);
                }
            }
            _upsertStream.Parameters[0].Value = append.StreamId;
            _upsertStream.Parameters[1].Value = version;
            _upsertStream.Parameters[2].Value = hash;
            _upsertStream.ExecuteNonQuery();
            results[s] = new(append.StreamId, version, first, head);
        }
        return new AppendResult(results);
    }

    private (long Version, string Hash) ReadStreamHead(string streamId)
    {
        _streamHead.Parameters[0].Value = streamId;
        using var reader = _streamHead.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : (-1, "");
    }

    private void RollbackIfOpen()
    {
        // SQLite may already have rolled the transaction back itself (on an I/O error or a full disk).
        if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) != 0)
        {
            return;
        }
        try
        {
            _rollback.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // The connection is unusable either way; the next group's BEGIN reports it.
        }
    }

    private SqliteCommand Prepare(string sql, params string[] parameterNames)
    {
        var command = _connection.Prepare(sql, parameterNames);
        _commands.Add(command);
        return command;
    }
}
