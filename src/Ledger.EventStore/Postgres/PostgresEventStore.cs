using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ledger.EventStore.Postgres;

/// <summary>
/// The PostgreSQL adapter of the event-store port, for production and for several server instances sharing one
/// database. All of a store's tables live in one schema (default <c>ledger</c>), created and migrated by
/// <see cref="CreateAsync"/>. Appends go through one group-committing writer per store
/// (<see cref="PostgresGroupCommit"/>, which also explains why the global order has no gaps); wake-ups cross
/// processes with LISTEN/NOTIFY (<see cref="PostgresChangeFeed"/>).
/// </summary>
public sealed class PostgresEventStore : IEventStore
{
    public const string DefaultSchema = "ledger";

    /// <summary>Statements kept prepared per connection unless the connection string says otherwise (<c>Max Auto Prepare</c>).</summary>
    public const int DefaultMaxAutoPrepare = 32;

    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(2);

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _listenSource;
    private readonly PostgresSchema _schema;
    private readonly PostgresChangeFeed _feed;
    private readonly PostgresGroupCommit _writer;
    private readonly string _readStreamSql;
    private readonly string _readAllSql;
    private readonly string _readAtSql;
    private readonly string _readByKeySql;
    private readonly string _readStreamVersionSql;
    private readonly string _readHeadSql;
    private int _disposed;

    private PostgresEventStore(NpgsqlDataSource dataSource, NpgsqlDataSource listenSource, PostgresSchema schema, ILogger logger)
    {
        _dataSource = dataSource;
        _listenSource = listenSource;
        _schema = schema;
        const string columns = "stream_id, version, position, type, occurred_at, data, hash, idempotency_key, hash_version";
        _readStreamSql = $"SELECT {columns} FROM {schema.Events} WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3";
        _readAllSql = $"SELECT {columns} FROM {schema.Events} WHERE position > $1 ORDER BY position LIMIT $2";
        _readAtSql = $"SELECT {columns} FROM {schema.Events} WHERE position = $1";
        _readByKeySql = $"SELECT {columns} FROM {schema.Events} WHERE stream_id = $1 AND idempotency_key = $2";
        _readStreamVersionSql = $"SELECT version FROM {schema.Streams} WHERE stream_id = $1";
        _readHeadSql = $"SELECT coalesce(max(position), 0) FROM {schema.Events}";
        _feed = new PostgresChangeFeed(listenSource, schema, ReadHeadPositionAsync, logger);
        _writer = new PostgresGroupCommit(dataSource, schema, _feed, logger);
    }

    /// <summary>The schema this store keeps its tables in.</summary>
    public string Schema => _schema.Name;

    /// <summary>Test hook: runs after a group's rows are written and before its COMMIT, with the append lock held.</summary>
    internal Func<Task>? BeforeCommit
    {
        get => _writer.BeforeCommit;
        set => _writer.BeforeCommit = value;
    }

    /// <summary>How many groups of appends were written in one round trip.</summary>
    internal long OneRoundTripGroups => _writer.OneRoundTripGroups;

    /// <summary>Whether the LISTEN connection is up (waits are woken by notifications, not by polling).</summary>
    internal bool IsListening => _feed.IsListening;

    /// <summary>The server process of the LISTEN connection (tests kill it).</summary>
    internal int ListenerProcessId => _feed.ListenerProcessId;

    /// <summary>How many waits rely on notifications alone right now.</summary>
    internal int ParkedWaiters => _feed.ParkedWaiters;

    /// <summary>How often a wait reads the head while the LISTEN connection is down.</summary>
    internal TimeSpan FallbackPollInterval
    {
        get => _feed.FallbackPollInterval;
        set => _feed.FallbackPollInterval = value;
    }

    /// <summary>
    /// Opens a store on <paramref name="connectionString"/> (an Npgsql connection string), creating or migrating
    /// its tables in <paramref name="schema"/> first. Safe when several processes start at once.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string or the schema name is malformed.</exception>
    /// <exception cref="EventStoreUnavailableException">PostgreSQL cannot be reached or refused the migration.</exception>
    public static async Task<PostgresEventStore> CreateAsync(
        string connectionString, string schema = DefaultSchema, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var names = new PostgresSchema(schema);
        logger ??= NullLogger.Instance;

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(settings.ApplicationName))
        {
            settings.ApplicationName = "ledger";
        }
        // Tells which request of a group-commit batch failed.
        settings.IncludeFailedBatchedCommand = true;
        // The store's statements are a handful of fixed texts: prepared once per connection, not parsed per call.
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }
        var listenSettings = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            ApplicationName = settings.ApplicationName + "-listener",
            Pooling = false,
            KeepAlive = settings.KeepAlive > 0 ? settings.KeepAlive : 15,
        };

        var dataSource = Build(settings);
        var listenSource = Build(listenSettings);
        try
        {
            try
            {
                await PostgresMigrations.MigrateAsync(dataSource, names, logger, cancellationToken);
            }
            catch (Exception e) when (PostgresErrors.IsStorageFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                throw PostgresErrors.Unavailable(e);
            }
            var store = new PostgresEventStore(dataSource, listenSource, names, logger);
            await store._feed.StartAsync();
            return store;
        }
        catch
        {
            await dataSource.DisposeAsync();
            await listenSource.DisposeAsync();
            throw;
        }
    }

    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // A copy, so the queued request cannot change after it was checked.
        var streams = new StreamAppend[batch.Count];
        for (var i = 0; i < streams.Length; i++)
        {
            var append = batch[i] ?? throw new ArgumentException("a batch holds no null appends", nameof(batch));
            var events = append.Events.ToArray();
            if (events.Any(e => e is null))
            {
                throw new ArgumentException("an append holds no null events", nameof(batch));
            }
            streams[i] = append with { Events = events };
        }
        AppendValidation.Validate(streams);
        EnsureStorableText(streams);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        return await _writer.AppendAsync(streams, cancellationToken);
    }

    public Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 0, int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return maxCount == 0
            ? Task.FromResult<IReadOnlyList<StoredEvent>>([])
            : ReadEventsAsync(_readStreamSql, cancellationToken,
                new NpgsqlParameter<string> { TypedValue = streamId },
                new NpgsqlParameter<long> { TypedValue = Math.Max(fromVersion, 0) },
                new NpgsqlParameter<long> { TypedValue = maxCount });
    }

    public Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return maxCount == 0
            ? Task.FromResult<IReadOnlyList<StoredEvent>>([])
            : ReadEventsAsync(_readAllSql, cancellationToken,
                new NpgsqlParameter<long> { TypedValue = Math.Max(afterPosition, 0) },
                new NpgsqlParameter<long> { TypedValue = maxCount });
    }

    public async Task<StoredEvent?> ReadAtAsync(long position, CancellationToken cancellationToken = default)
    {
        var events = await ReadEventsAsync(_readAtSql, cancellationToken, new NpgsqlParameter<long> { TypedValue = position });
        return events.Count == 0 ? null : events[0];
    }

    public async Task<StoredEvent?> FindByIdempotencyKeyAsync(string streamId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        var events = await ReadEventsAsync(_readByKeySql, cancellationToken,
            new NpgsqlParameter<string> { TypedValue = streamId },
            new NpgsqlParameter<string> { TypedValue = idempotencyKey });
        return events.Count == 0 ? null : events[0];
    }

    public async Task<long> ReadStreamVersionAsync(string streamId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var version = await ScalarAsync(_readStreamVersionSql, cancellationToken, new NpgsqlParameter<string> { TypedValue = streamId });
        return version is long v ? v : -1;
    }

    public async Task<long> ReadHeadPositionAsync(CancellationToken cancellationToken = default) =>
        (long)(await ScalarAsync(_readHeadSql, cancellationToken))!;

    public Task WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _feed.WaitAsync(afterPosition, cancellationToken);
    }

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HealthTimeout);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = (int)HealthTimeout.TotalSeconds };
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when ((e is OperationCanceledException || PostgresErrors.IsStorageFailure(e)) && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Lets queued appends commit, then closes the listener and the connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _writer.DisposeAsync();
        await _feed.DisposeAsync();
        await _dataSource.DisposeAsync();
        await _listenSource.DisposeAsync();
    }

    /// <summary>
    /// The store reads and writes built-in types only, so the type catalogue is not loaded: one round of
    /// queries fewer for every new data source.
    /// </summary>
    private static NpgsqlDataSource Build(NpgsqlConnectionStringBuilder settings)
    {
        var builder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        return builder.Build();
    }

    /// <summary>
    /// PostgreSQL text cannot hold U+0000, and a lone UTF-16 surrogate has no UTF-8 form: refused up front with the
    /// other input errors, rather than failing inside a commit.
    /// </summary>
    private static void EnsureStorableText(IReadOnlyList<StreamAppend> batch)
    {
        foreach (var append in batch)
        {
            foreach (var e in append.Events)
            {
                EnsureStorable(e.Type, "type", append.StreamId);
                EnsureStorable(e.Data, "data", append.StreamId);
                if (e.IdempotencyKey is not null)
                {
                    EnsureStorable(e.IdempotencyKey, "idempotency key", append.StreamId);
                }
            }
        }
    }

    private static void EnsureStorable(string text, string what, string streamId)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidAppendException($"an event's {what} for {streamId} contains a NUL character");
        }
        if (!IsWellFormed(text))
        {
            throw new InvalidAppendException($"an event's {what} for {streamId} is not valid Unicode (a lone surrogate)");
        }
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }
        return true;
    }

    private async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        try
        {
            await using var command = _dataSource.CreateCommand(sql);
            command.Parameters.AddRange(parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var events = new List<StoredEvent>();
            while (await reader.ReadAsync(cancellationToken))
            {
                events.Add(new StoredEvent(
                    StreamId: reader.GetString(0),
                    Version: reader.GetInt64(1),
                    Position: reader.GetInt64(2),
                    Type: reader.GetString(3),
                    OccurredAt: reader.GetFieldValue<DateTimeOffset>(4),
                    Data: reader.GetString(5),
                    Hash: reader.GetString(6),
                    IdempotencyKey: reader.IsDBNull(7) ? null : reader.GetString(7))
                {
                    HashVersion = reader.GetInt16(8),
                });
            }
            return events;
        }
        catch (Exception e) when (PostgresErrors.IsStorageFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw PostgresErrors.Unavailable(e);
        }
    }

    private async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        try
        {
            await using var command = _dataSource.CreateCommand(sql);
            command.Parameters.AddRange(parameters);
            var value = await command.ExecuteScalarAsync(cancellationToken);
            return value is DBNull ? null : value;
        }
        catch (Exception e) when (PostgresErrors.IsStorageFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            throw PostgresErrors.Unavailable(e);
        }
    }
}
