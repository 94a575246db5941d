using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.EventStore.Postgres;

/// <summary>
/// The store's single writer. Concurrent appends queue here and are committed together, one PostgreSQL
/// transaction per group, each request inside its own SAVEPOINT: a request that fails (wrong expected version,
/// duplicate idempotency key, data PostgreSQL refuses) fails alone and the rest of its group commits. Callers
/// complete only after COMMIT.
/// <para>
/// Gap-free global order. A position that a reader has passed must never be filled in later. A sequence cannot
/// promise that: its values are taken before commit, so a transaction holding position N can commit after one
/// holding N + 1, and a reader that saw N + 1 moves on and skips N forever. Here every appending transaction, in
/// every process, first takes <c>pg_advisory_xact_lock</c> on the schema's append key and holds it until it
/// commits or rolls back; positions are assigned under that lock as max(position) + 1, 2, … So transactions take
/// positions one after the other, each after the previous one has become visible (PostgreSQL releases
/// transaction locks only after the commit is visible to new snapshots). Any snapshot that sees position N + 1
/// therefore sees every position up to N, and <see cref="IEventStore.ReadAllAsync"/> is a plain
/// <c>WHERE position &gt; after ORDER BY position</c>. A rolled-back transaction leaves no hole either: its
/// positions are handed out again. The price is one appending transaction per schema at a time, which group commit
/// amortises, and which is held for as little as one round trip: the writer remembers the heads it last committed
/// (<see cref="PostgresStreamHeads"/>), decides a group from them in memory, and sends the lock, one guarded
/// statement and the commit together; the guard writes nothing unless the global head is still the one it
/// committed at and the streams it took for new are new. Otherwise (another process wrote, a key or a row
/// PostgreSQL refuses) the group goes the planned way: plan (lock and reads), write, commit, three round trips. The alternative, an xid8 /
/// <c>pg_snapshot_xmin</c> watermark, lets writers overlap but makes every reader wait on the oldest open
/// transaction in the whole database, leaves holes in positions, and is harder to get right.
/// </para>
/// <para>
/// Because every writer holds the lock, the expected-version and idempotency checks are made on rows read in
/// the transaction (one round trip for the whole group) rather than by catching unique violations; the unique
/// constraints remain as the last line, and a violation there makes the request be planned again from fresh rows.
/// </para>
/// </summary>
internal sealed class PostgresGroupCommit : IAsyncDisposable
{
    private const int MaxGroupRequests = 256;
    private const int MaxGroupEvents = 4096;

    /// <summary>After the guard found another writer had been there, groups go the planned way for a while (several processes take turns).</summary>
    private const int PlannedGroupsAfterAMiss = 16;

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresSchema _schema;
    private readonly PostgresChangeFeed _feed;
    private readonly ILogger _logger;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private readonly string _readHeadSql;
    private readonly string _readStreamHeadsSql;
    private readonly string _readKeysSql;
    private readonly string _insertEventsSql;
    private readonly string _upsertStreamsSql;
    private readonly string _guardedWriteSql;
    private readonly PostgresStreamHeads _known = new();
    private NpgsqlConnection? _connection;
    private long _oneRoundTripGroups;

    /// <summary>Groups left to write the planned way before the one-round-trip way is tried again.</summary>
    private int _plannedGroupsLeft;

    public PostgresGroupCommit(NpgsqlDataSource dataSource, PostgresSchema schema, PostgresChangeFeed feed, ILogger logger)
    {
        _dataSource = dataSource;
        _schema = schema;
        _feed = feed;
        _logger = logger;
        _readHeadSql = $"SELECT coalesce(max(position), 0) FROM {schema.Events}";
        _readStreamHeadsSql = $"SELECT stream_id, version, hash FROM {schema.Streams} WHERE stream_id = ANY($1)";
        _readKeysSql = $"""
            SELECT e.stream_id, e.idempotency_key FROM {schema.Events} e
            JOIN unnest($1::text[], $2::text[]) AS k(stream_id, idempotency_key)
              ON e.stream_id = k.stream_id AND e.idempotency_key = k.idempotency_key
            """;
        _insertEventsSql = $"""
            INSERT INTO {schema.Events} (position, stream_id, version, type, occurred_at, data, hash, idempotency_key, hash_version)
            SELECT *, 2 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[])
            """;
        _upsertStreamsSql = $"""
            INSERT INTO {schema.Streams} (stream_id, version, hash)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
            ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, hash = excluded.hash
            """;
        // One statement writing a whole group, but only if the writer's knowledge is still exact: the global head
        // is the one it last committed at and the streams it assumed new have no events. Otherwise it writes
        // nothing and answers false, and the group goes the planned way.
        _guardedWriteSql = $"""
            WITH guard AS (
                SELECT (SELECT coalesce(max(position), 0) FROM {schema.Events}) = $1
                   AND NOT EXISTS (SELECT 1 FROM {schema.Streams} WHERE stream_id = ANY($2::text[])) AS ok
            ), written AS (
                INSERT INTO {schema.Events} (position, stream_id, version, type, occurred_at, data, hash, idempotency_key, hash_version)
                SELECT e.*, 2 FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[]) AS e
                WHERE (SELECT ok FROM guard)
            ), heads AS (
                INSERT INTO {schema.Streams} (stream_id, version, hash)
                SELECT h.* FROM unnest($11::text[], $12::bigint[], $13::text[]) AS h
                WHERE (SELECT ok FROM guard)
                ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, hash = excluded.hash
            )
            SELECT ok, (SELECT count(*) FROM (SELECT pg_notify($14, $15) WHERE ok) AS notified) FROM guard
            """;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Test hook: runs after a group's rows are written and before its COMMIT, with the append lock held.</summary>
    public Func<Task>? BeforeCommit { get; set; }

    /// <summary>How many groups were written in one round trip (for tests).</summary>
    public long OneRoundTripGroups => Volatile.Read(ref _oneRoundTripGroups);

    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken cancellationToken)
    {
        using var pending = new PendingAppend(batch, cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(PostgresEventStore));
        }
        return await pending.Completion.Task;
    }

    /// <summary>Stops taking appends, lets the queued ones commit, and waits for the writer to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    private async Task RunAsync()
    {
        var group = new List<PendingAppend>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            var events = 0;
            while (group.Count < MaxGroupRequests && events < MaxGroupEvents && _queue.Reader.TryRead(out var pending))
            {
                if (pending.TryTake())
                {
                    group.Add(pending);
                    events += pending.EventCount;
                }
            }
            if (group.Count > 0)
            {
                if (!await TryWriteInOneRoundTripAsync(group))
                {
                    await CommitAsync(group);
                }
                group.Clear();
            }
        }
    }

    /// <summary>Commits one group and completes every request of it. Never throws.</summary>
    private async Task CommitAsync(List<PendingAppend> group)
    {
        var outcomes = new Outcome[group.Count];
        var written = new Rows?[group.Count];
        var read = new Dictionary<string, (long Version, string Hash)>(StringComparer.Ordinal);
        long readHead = -1;
        long lastPosition = 0;
        try
        {
            var connection = await ConnectAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            long notified = 0;
            var replanned = new HashSet<int>();
            var from = 0;
            var locked = false;
            while (from < group.Count)
            {
                var (plans, head) = await PlanAsync(connection, transaction, group, from, takeLock: !locked, read);
                readHead = locked ? readHead : head;
                locked = true;
                var batchLast = plans.Where(p => p.Result is not null).Select(p => p.Result!.LastPosition).DefaultIfEmpty(0).Max();
                var (failedAt, error) = await WriteAsync(connection, transaction, plans, from, batchLast);
                var end = failedAt < 0 ? group.Count : failedAt;
                for (var i = from; i < end; i++)
                {
                    outcomes[i] = plans[i - from].Outcome;
                    written[i] = plans[i - from].Rows;
                }
                if (failedAt < 0)
                {
                    notified = Math.Max(notified, batchLast);
                    break;
                }
                await ExecuteAsync(connection, transaction, $"ROLLBACK TO SAVEPOINT r{failedAt}");
                if (error!.SqlState == PostgresErrorCodes.UniqueViolation && replanned.Add(failedAt))
                {
                    // Someone wrote without the lock; fresh rows will tell which typed failure this is.
                    from = failedAt;
                    continue;
                }
                outcomes[failedAt] = new Outcome(null, PostgresErrors.ForRequest(error));
                from = failedAt + 1;
            }
            lastPosition = outcomes.Where(o => o.Result is not null).Select(o => o.Result!.LastPosition).DefaultIfEmpty(0).Max();
            if (lastPosition > 0)
            {
                if (lastPosition > notified)
                {
                    await NotifyAsync(connection, transaction, lastPosition);
                }
                if (BeforeCommit is { } hook)
                {
                    await hook();
                }
                await transaction.CommitAsync();
            }
        }
        catch (Exception e)
        {
            await FailAsync(group, e);
            return;
        }
        // Everything read or written here was exact when the append lock was let go.
        for (var i = 0; i < group.Count; i++)
        {
            if (outcomes[i].Result is not null && written[i] is { } rows)
            {
                for (var s = 0; s < rows.HeadStreams.Length; s++)
                {
                    read[rows.HeadStreams[s]] = (rows.HeadVersions[s], rows.HeadHashes[s]);
                }
            }
        }
        _known.Commit(lastPosition > 0 ? lastPosition : readHead, read);
        Complete(group, outcomes, lastPosition);
    }

    /// <summary>
    /// The way most groups go once the writer knows the heads: every request decided in memory from what the
    /// writer last committed, and written in one round trip (the append lock, then one guarded statement; the two
    /// run as one implicit transaction, committed before PostgreSQL answers). Returns false, having written
    /// nothing, when the writer knows too little, when the guard finds that another writer got there first, or
    /// when PostgreSQL refuses a row (a duplicate key, data it cannot index): the planned way then decides again
    /// from fresh rows and reports which request it was.
    /// </summary>
    private async Task<bool> TryWriteInOneRoundTripAsync(List<PendingAppend> group)
    {
        if (_plannedGroupsLeft > 0)
        {
            _plannedGroupsLeft--;
            return false;
        }
        if (!_known.IsKnown || BeforeCommit is not null)
        {
            return false;
        }
        var heads = new Dictionary<string, (long Version, string Hash)>(StringComparer.Ordinal);
        var assumedNew = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pending in group)
        {
            foreach (var append in pending.Batch)
            {
                if (_known.TryGet(append.StreamId, out var head))
                {
                    heads[append.StreamId] = head;
                }
                else
                {
                    assumedNew.Add(append.StreamId);
                }
            }
        }
        var position = _known.Head;
        var keys = new HashSet<(string, string)>();
        var plans = new List<Plan>(group.Count);
        foreach (var pending in group)
        {
            plans.Add(Decide(pending.Batch, heads, keys, ref position));
        }
        var rows = Rows.Concat(plans.Select(p => p.Rows).OfType<Rows>(), heads);
        if (rows is null)
        {
            return false;
        }
        try
        {
            var connection = await ConnectAsync();
            await using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(Command("SELECT pg_advisory_xact_lock($1)", new NpgsqlParameter<long> { TypedValue = _schema.AppendLockKey }));
            batch.BatchCommands.Add(Command(_guardedWriteSql,
            [
                new NpgsqlParameter<long> { TypedValue = _known.Head },
                new NpgsqlParameter<string[]> { TypedValue = [.. assumedNew] },
                .. rows.EventParameters(),
                new NpgsqlParameter<string[]> { TypedValue = rows.HeadStreams },
                new NpgsqlParameter<long[]> { TypedValue = rows.HeadVersions },
                new NpgsqlParameter<string[]> { TypedValue = rows.HeadHashes },
                new NpgsqlParameter<string> { TypedValue = _schema.Channel },
                new NpgsqlParameter<string> { TypedValue = position.ToString(CultureInfo.InvariantCulture) },
            ]));
            bool ok;
            await using (var reader = await batch.ExecuteReaderAsync())
            {
                await reader.NextResultAsync();
                await reader.ReadAsync();
                ok = reader.GetBoolean(0);
                while (await reader.NextResultAsync())
                {
                }
            }
            if (!ok)
            {
                _plannedGroupsLeft = PlannedGroupsAfterAMiss;
                return false;
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation || PostgresErrors.IsBadInput(e))
        {
            return false;
        }
        catch (Exception e)
        {
            await FailAsync(group, e);
            return true;
        }
        _known.Commit(position, heads);
        Interlocked.Increment(ref _oneRoundTripGroups);
        Complete(group, [.. plans.Select(p => p.Outcome)], position);
        return true;
    }

    /// <summary>
    /// The transaction is gone, or its outcome unknown (a failed COMMIT): nothing of the group is reported written.
    /// Requests refused while planning are failed too, as the rows they were judged on may not exist.
    /// </summary>
    private async Task FailAsync(List<PendingAppend> group, Exception e)
    {
        _known.Forget();
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
        var failure = PostgresErrors.IsStorageFailure(e) ? PostgresErrors.Unavailable(e) : new EventStoreUnavailableException($"the append failed: {e.Message}", e);
        _logger.LogWarning(e, "Event store group commit of {Count} appends to schema {Schema} failed", group.Count, _schema.Name);
        foreach (var pending in group)
        {
            pending.Completion.TrySetException(failure);
        }
    }

    private void Complete(List<PendingAppend> group, IReadOnlyList<Outcome> outcomes, long lastPosition)
    {
        for (var i = 0; i < group.Count; i++)
        {
            if (outcomes[i].Result is { } result)
            {
                group[i].Completion.TrySetResult(result);
            }
            else
            {
                group[i].Completion.TrySetException(outcomes[i].Failure!);
            }
        }
        if (lastPosition > 0)
        {
            _feed.Advance(lastPosition);
        }
    }

    /// <summary>The connection the writer keeps across groups (its statements stay prepared); opened again after a failure.</summary>
    private async Task<NpgsqlConnection> ConnectAsync()
    {
        if (_connection is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }
        if (_connection is { } broken)
        {
            _connection = null;
            await broken.DisposeAsync();
        }
        return _connection = await _dataSource.OpenConnectionAsync();
    }

    /// <summary>
    /// One round trip: takes the append lock (first time), reads the global head, the heads of every stream the
    /// requests touch and which of their idempotency keys exist, then decides each request in order in memory.
    /// </summary>
    private async Task<(List<Plan> Plans, long Head)> PlanAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<PendingAppend> group, int from, bool takeLock,
        Dictionary<string, (long Version, string Hash)> read)
    {
        var streamIds = new HashSet<string>(StringComparer.Ordinal);
        var keyStreams = new List<string>();
        var keys = new List<string>();
        for (var i = from; i < group.Count; i++)
        {
            foreach (var append in group[i].Batch)
            {
                streamIds.Add(append.StreamId);
                foreach (var e in append.Events)
                {
                    if (e.IdempotencyKey is not null)
                    {
                        keyStreams.Add(append.StreamId);
                        keys.Add(e.IdempotencyKey);
                    }
                }
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        if (takeLock)
        {
            batch.BatchCommands.Add(Command("SELECT pg_advisory_xact_lock($1)", new NpgsqlParameter<long> { TypedValue = _schema.AppendLockKey }));
        }
        batch.BatchCommands.Add(Command(_readHeadSql));
        batch.BatchCommands.Add(Command(_readStreamHeadsSql, new NpgsqlParameter<string[]> { TypedValue = [.. streamIds] }));
        if (keys.Count > 0)
        {
            batch.BatchCommands.Add(Command(_readKeysSql,
                new NpgsqlParameter<string[]> { TypedValue = [.. keyStreams] },
                new NpgsqlParameter<string[]> { TypedValue = [.. keys] }));
        }

        long position;
        var heads = new Dictionary<string, (long Version, string Hash)>(StringComparer.Ordinal);
        var existingKeys = new HashSet<(string, string)>();
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            if (takeLock)
            {
                await reader.NextResultAsync();
            }
            await reader.ReadAsync();
            position = reader.GetInt64(0);
            await reader.NextResultAsync();
            while (await reader.ReadAsync())
            {
                heads[reader.GetString(0)] = (reader.GetInt64(1), reader.GetString(2));
            }
            if (keys.Count > 0)
            {
                await reader.NextResultAsync();
                while (await reader.ReadAsync())
                {
                    existingKeys.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
        }

        foreach (var (streamId, value) in heads)
        {
            read[streamId] = value;
        }
        var readHead = position;
        var plans = new List<Plan>(group.Count - from);
        for (var i = from; i < group.Count; i++)
        {
            plans.Add(Decide(group[i].Batch, heads, existingKeys, ref position));
        }
        return (plans, readHead);
    }

    /// <summary>Checks one request against the heads as left by the requests before it, and if it passes, lays out its rows.</summary>
    private static Plan Decide(IReadOnlyList<StreamAppend> request, Dictionary<string, (long Version, string Hash)> heads, HashSet<(string, string)> existingKeys, ref long position)
    {
        foreach (var append in request)
        {
            // Stream by stream, the version before the keys: the SQLite adapter refuses in the same order.
            var current = heads.TryGetValue(append.StreamId, out var head) ? head.Version : -1;
            if (append.ExpectedVersion != ExpectedVersion.Any && append.ExpectedVersion.Value != current)
            {
                return Plan.Failed(new WrongExpectedVersionException(append.StreamId, append.ExpectedVersion, current));
            }
            foreach (var e in append.Events)
            {
                if (e.IdempotencyKey is not null && existingKeys.Contains((append.StreamId, e.IdempotencyKey)))
                {
                    return Plan.Failed(new DuplicateEventException(append.StreamId, e.IdempotencyKey));
                }
            }
        }

        var count = request.Sum(a => a.Events.Count);
        var rows = new Rows(count, request.Count);
        var results = new List<StreamAppendResult>(request.Count);
        var row = 0;
        for (var s = 0; s < request.Count; s++)
        {
            var append = request[s];
            var (version, hash) = heads.TryGetValue(append.StreamId, out var head) ? head : (-1L, "");
            var firstPosition = position + 1;
            foreach (var e in append.Events)
            {
                version++;
                position++;
                var occurredAt = EventHash.Truncate(e.OccurredAt);
                hash = EventHash.Compute(hash, append.StreamId, version, e.Type, occurredAt, e.Data);
                rows.Positions[row] = position;
                rows.StreamIds[row] = append.StreamId;
                rows.Versions[row] = version;
                rows.Types[row] = e.Type;
                rows.OccurredAt[row] = occurredAt;
                rows.Data[row] = e.Data;
                rows.Hashes[row] = hash;
                rows.Keys[row] = e.IdempotencyKey;
                row++;
            }
            rows.HeadStreams[s] = append.StreamId;
            rows.HeadVersions[s] = version;
            rows.HeadHashes[s] = hash;
            heads[append.StreamId] = (version, hash);
            results.Add(new StreamAppendResult(append.StreamId, version, firstPosition, position));
        }
        foreach (var append in request)
        {
            foreach (var e in append.Events)
            {
                if (e.IdempotencyKey is not null)
                {
                    existingKeys.Add((append.StreamId, e.IdempotencyKey));
                }
            }
        }
        return new Plan(new AppendResult(results), null, rows);
    }

    /// <summary>
    /// One round trip writing every planned request, each in its own savepoint, and the notification. On a failure
    /// returns the index of the request whose statement failed (its savepoint still to be rolled back); requests
    /// before it are written, requests after it were not run.
    /// </summary>
    private async Task<(int FailedAt, PostgresException? Error)> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<Plan> plans, int from, long lastPosition)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var owners = new List<int>();
        for (var k = 0; k < plans.Count; k++)
        {
            if (plans[k].Rows is not { } rows)
            {
                continue;
            }
            var request = from + k;
            batch.BatchCommands.Add(Command($"SAVEPOINT r{request}"));
            batch.BatchCommands.Add(Command(_insertEventsSql, rows.EventParameters()));
            batch.BatchCommands.Add(Command(_upsertStreamsSql,
                new NpgsqlParameter<string[]> { TypedValue = rows.HeadStreams },
                new NpgsqlParameter<long[]> { TypedValue = rows.HeadVersions },
                new NpgsqlParameter<string[]> { TypedValue = rows.HeadHashes }));
            batch.BatchCommands.Add(Command($"RELEASE SAVEPOINT r{request}"));
            owners.AddRange([request, request, request, request]);
        }
        if (owners.Count == 0)
        {
            return (-1, null);
        }
        batch.BatchCommands.Add(NotifyCommand(lastPosition));
        try
        {
            await batch.ExecuteNonQueryAsync();
            return (-1, null);
        }
        catch (PostgresException e) when (e.BatchCommand is { } failed && batch.BatchCommands.IndexOf((NpgsqlBatchCommand)failed) is var index && index >= 0 && index < owners.Count)
        {
            return (owners[index], e);
        }
    }

    private async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long lastPosition)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(NotifyCommand(lastPosition));
        await batch.ExecuteNonQueryAsync();
    }

    /// <summary>Sent inside the committing transaction: PostgreSQL delivers it to listeners only once the commit is visible.</summary>
    private NpgsqlBatchCommand NotifyCommand(long lastPosition) =>
        Command("SELECT pg_notify($1, $2)",
            new NpgsqlParameter<string> { TypedValue = _schema.Channel },
            new NpgsqlParameter<string> { TypedValue = lastPosition.ToString(CultureInfo.InvariantCulture) });

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private readonly record struct Outcome(AppendResult? Result, EventStoreException? Failure);

    private sealed record Plan(AppendResult? Result, EventStoreException? Failure, Rows? Rows)
    {
        public Outcome Outcome => new(Result, Failure);

        public static Plan Failed(EventStoreException failure) => new(null, failure, null);
    }

    /// <summary>A request's rows as column arrays, written with one unnest insert.</summary>
    private sealed class Rows(int events, int streams)
    {
        /// <summary>The events' columns as array parameters, in the order the insert statements take them.</summary>
        public NpgsqlParameter[] EventParameters() =>
        [
            new NpgsqlParameter<long[]> { TypedValue = Positions },
            new NpgsqlParameter<string[]> { TypedValue = StreamIds },
            new NpgsqlParameter<long[]> { TypedValue = Versions },
            new NpgsqlParameter<string[]> { TypedValue = Types },
            new NpgsqlParameter<DateTimeOffset[]> { TypedValue = OccurredAt },
            new NpgsqlParameter<string[]> { TypedValue = Data },
            new NpgsqlParameter<string[]> { TypedValue = Hashes },
            new NpgsqlParameter { Value = Keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
        ];

        /// <summary>
        /// The rows of several requests as one, with one head per stream (its last, from <paramref name="heads"/>):
        /// one upsert may touch a row only once. Null when there are none.
        /// </summary>
        public static Rows? Concat(IEnumerable<Rows> parts, Dictionary<string, (long Version, string Hash)> heads)
        {
            var list = parts.ToList();
            if (list.Count == 0)
            {
                return null;
            }
            var streamIds = list.SelectMany(r => r.HeadStreams).Distinct(StringComparer.Ordinal).ToList();
            var all = new Rows(list.Sum(r => r.Positions.Length), streamIds.Count);
            var at = 0;
            foreach (var part in list)
            {
                var n = part.Positions.Length;
                part.Positions.CopyTo(all.Positions, at);
                part.StreamIds.CopyTo(all.StreamIds, at);
                part.Versions.CopyTo(all.Versions, at);
                part.Types.CopyTo(all.Types, at);
                part.OccurredAt.CopyTo(all.OccurredAt, at);
                part.Data.CopyTo(all.Data, at);
                part.Hashes.CopyTo(all.Hashes, at);
                part.Keys.CopyTo(all.Keys, at);
                at += n;
            }
            for (var s = 0; s < streamIds.Count; s++)
            {
                var (version, hash) = heads[streamIds[s]];
                all.HeadStreams[s] = streamIds[s];
                all.HeadVersions[s] = version;
                all.HeadHashes[s] = hash;
            }
            return all;
        }

        public long[] Positions { get; } = new long[events];
        public string[] StreamIds { get; } = new string[events];
        public long[] Versions { get; } = new long[events];
        public string[] Types { get; } = new string[events];
        public DateTimeOffset[] OccurredAt { get; } = new DateTimeOffset[events];
        public string[] Data { get; } = new string[events];
        public string[] Hashes { get; } = new string[events];
        public string?[] Keys { get; } = new string?[events];
        public string[] HeadStreams { get; } = new string[streams];
        public long[] HeadVersions { get; } = new long[streams];
        public string[] HeadHashes { get; } = new string[streams];
    }

    /// <summary>
    /// A queued request. Cancelling it while it still waits in the queue withdraws it (nothing is written); once the
    /// writer has taken it, it runs to its outcome, so a caller never sees "cancelled" for an append that committed.
    /// </summary>
    private sealed class PendingAppend : IDisposable
    {
        private const int Queued = 0;
        private const int Taken = 1;
        private const int Withdrawn = 2;

        private readonly CancellationTokenRegistration _registration;
        private int _state;

        public PendingAppend(IReadOnlyList<StreamAppend> batch, CancellationToken cancellationToken)
        {
            Batch = batch;
            EventCount = batch.Sum(a => a.Events.Count);
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.Register(static (state, token) => ((PendingAppend)state!).Withdraw(token), this);
            }
        }

        public IReadOnlyList<StreamAppend> Batch { get; }

        public int EventCount { get; }

        public TaskCompletionSource<AppendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

        public void Dispose() => _registration.Dispose();

        private void Withdraw(CancellationToken token)
        {
            if (Interlocked.CompareExchange(ref _state, Withdrawn, Queued) == Queued)
            {
                Completion.TrySetCanceled(token);
            }
        }
    }
}
