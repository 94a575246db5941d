using System.Buffers.Binary;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Ledger.Projections.Stats;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ledger.Projections;

/// <summary>
/// Read models in the ledger's PostgreSQL database, in a schema of their own (by default <c>ledger_read</c> beside the
/// store's <c>ledger</c>), reached through <c>search_path</c> so the shared statements name tables unqualified.
/// Several server instances share it: one of them (the leader) writes, every instance reads, and a commit of the
/// read models' checkpoint is announced with NOTIFY so the other instances can tell their observers at once.
/// </summary>
public sealed partial class PostgresReadModelDatabase : ReadModelDatabase, IAsyncDisposable
{
    /// <summary>Appended to the store's schema name to make the read models' default schema.</summary>
    public const string SchemaSuffix = "_read";

    /// <summary>The version of <see cref="Schema"/> this code writes; a newer one in the database is refused.</summary>
    private const int SchemaVersion = 1;

    /// <summary>Statements kept prepared per connection (the projections' and the common queries').</summary>
    private const int MaxAutoPrepare = 128;

    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _listenSource;
    private readonly ILogger _logger;
    private readonly long _migrationLockKey;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _checkpointsChanged = NewPulse();
    private Task? _listenLoop;
    private volatile bool _schemaReady;

    /// <param name="connectionString">An Npgsql connection string (the ledger's).</param>
    /// <param name="schema">The read models' schema: 1 to 48 characters of a-z 0-9 _, not starting with a digit or pg_.</param>
    /// <exception cref="ArgumentException">The connection string or the schema name is malformed.</exception>
    public PostgresReadModelDatabase(string connectionString, string schema, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (!IsValidSchemaName(schema))
        {
            throw new ArgumentException(
                $"'{schema}' is not a usable schema name for the read models: 1 to 48 characters of a-z 0-9 _, starting with a letter or _, not pg_…",
                nameof(schema));
        }
        Schema = schema;
        Channel = schema + "_checkpoint";
        _logger = logger ?? NullLogger.Instance;
        _migrationLockKey = BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("ledger.read-migrate:" + schema)));

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        var application = string.IsNullOrEmpty(settings.ApplicationName) ? "ledger" : settings.ApplicationName;
        settings.ApplicationName = application + "-read";
        settings.SearchPath = schema;
        // The projections run a few dozen fixed statements per batch: prepared once per connection, not parsed per row.
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = MaxAutoPrepare;
        }
        var listen = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            ApplicationName = application + "-read-listener",
            Pooling = false,
            KeepAlive = settings.KeepAlive > 0 ? settings.KeepAlive : 15,
        };
        _dataSource = Build(settings);
        _listenSource = Build(listen);
    }

    /// <summary>The schema the read models live in.</summary>
    public string Schema { get; }

    /// <summary>The NOTIFY channel a checkpoint commit is announced on.</summary>
    public string Channel { get; }

    public override string? NotifyCheckpointSql => $"SELECT pg_notify('{Channel}', '')";

    public override Task CheckpointsChanged
    {
        get
        {
            lock (_gate)
            {
                _listenLoop ??= Task.Run(ListenLoopAsync);
                return _checkpointsChanged.Task;
            }
        }
    }

    // Asynchronous commit cannot corrupt anything, it may only lose the last commits in a crash of the database
    // server, and a rebuild cut short is run again. The first synchronous commit after it flushes everything before it.
    public override Task BeginRebuildAsync(DbConnection connection, CancellationToken cancellationToken) =>
        DropIndexesForRebuildAsync(connection, PostgresSchema, "SET synchronous_commit = off", cancellationToken);

    public override Task EndRebuildAsync(DbConnection connection, CancellationToken cancellationToken) =>
        MakeIndexesAfterRebuildAsync(connection, PostgresSchema, "RESET synchronous_commit", cancellationToken);

    public override IEnumerable<string> SecondaryIndexNames => IndexNames(PostgresSchema);

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// Creates the schema, its tables and indexes where missing, in one transaction under an advisory lock, so
    /// instances starting together take turns. Every statement is idempotent: after a rebuild dropped the tables this
    /// makes them again. A schema written by a newer Ledger is refused rather than guessed at.
    /// </summary>
    public override async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, transaction, cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", connection, transaction))
        {
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Schema });
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                await ExecuteAsync(connection, transaction, $"CREATE SCHEMA \"{Schema}\"", cancellationToken);
            }
        }
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)", cancellationToken);
        await using (var version = new NpgsqlCommand("SELECT max(version) FROM schema_version", connection, transaction))
        {
            if (await version.ExecuteScalarAsync(cancellationToken) is int found && found > SchemaVersion)
            {
                throw new InvalidOperationException(
                    $"the read models in schema {Schema} are at version {found}, newer than this Ledger knows ({SchemaVersion}); upgrade Ledger");
            }
        }
        foreach (var statement in PostgresSchema)
        {
            await ExecuteAsync(connection, transaction, statement, cancellationToken);
        }
        await ExecuteAsync(connection, transaction, $"DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES ({SchemaVersion})", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _schemaReady = true;
    }

    public override async Task DropAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        _schemaReady = false;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, transaction, cancellationToken);
        foreach (var statement in DropStatements)
        {
            await ExecuteAsync(connection, transaction, statement, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync();
        Task? loop;
        lock (_gate)
        {
            loop = _listenLoop;
        }
        if (loop is not null)
        {
            await loop;
        }
        await _dataSource.DisposeAsync();
        await _listenSource.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>
    /// The portable schema's tables and indexes, written for PostgreSQL: identifiers and statuses compare bytewise
    /// (<c>COLLATE "C"</c>), as in SQLite, so pages and dumps come out in the same order whatever the database's
    /// locale, and the work index is a partial index over the lanes that have work.
    /// </summary>
    public static readonly IReadOnlyList<string> PostgresSchema =
    [
        """CREATE TABLE IF NOT EXISTS checkpoints (name text COLLATE "C" PRIMARY KEY, position bigint NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS webhooks (
            id text COLLATE "C" PRIMARY KEY, tenant_id text COLLATE "C" NOT NULL, url text NOT NULL, events text NOT NULL, description text,
            profile text NOT NULL, secret text NOT NULL, previous_secret text, previous_secret_expires_at bigint,
            active integer NOT NULL, disabled_reason text, ordering text NOT NULL, retry_schedule text,
            max_attempt_age_seconds integer, rate_limit_per_minute integer, filters text, metadata text,
            circuit_state text NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL, deleted integer NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS webhooks_by_tenant ON webhooks (tenant_id, created_at, id)",
        """
        CREATE TABLE IF NOT EXISTS events (
            tenant_id text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, type text NOT NULL, api_version text, created_at bigint NOT NULL,
            data text NOT NULL, metadata text, ordering_key text, position bigint NOT NULL, PRIMARY KEY (tenant_id, id))
        """,
        """
        CREATE TABLE IF NOT EXISTS deliveries (
            id text COLLATE "C" PRIMARY KEY, tenant_id text COLLATE "C" NOT NULL, webhook_id text COLLATE "C" NOT NULL,
            event_id text COLLATE "C" NOT NULL, event_type text COLLATE "C" NOT NULL, stream_id text COLLATE "C", status text COLLATE "C" NOT NULL,
            attempts integer NOT NULL, last_attempted_at bigint, last_status_code integer, last_failure_code text, last_error_message text,
            next_attempt_at bigint, terminal_failure_at bigint, delivered_at bigint, created_at bigint NOT NULL, latency_ms integer)
        """,
        "CREATE INDEX IF NOT EXISTS deliveries_by_tenant ON deliveries (tenant_id, created_at DESC, id DESC)",
        "CREATE INDEX IF NOT EXISTS deliveries_by_tenant_status ON deliveries (tenant_id, status, created_at DESC, id DESC)",
        "CREATE INDEX IF NOT EXISTS deliveries_by_webhook ON deliveries (webhook_id, created_at DESC, id DESC)",
        "CREATE INDEX IF NOT EXISTS deliveries_by_event ON deliveries (tenant_id, event_id)",
        """
        CREATE TABLE IF NOT EXISTS attempts (
            delivery_id text COLLATE "C" NOT NULL, number integer NOT NULL, tenant_id text COLLATE "C" NOT NULL, started_at bigint NOT NULL,
            duration_ms integer NOT NULL, status_code integer, failure_code text, error_message text, response_body text,
            PRIMARY KEY (delivery_id, number))
        """,
        """
        CREATE TABLE IF NOT EXISTS lanes (
            stream_id text COLLATE "C" PRIMARY KEY, webhook_id text COLLATE "C" NOT NULL, tenant_id text COLLATE "C" NOT NULL, unsettled integer NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS lanes_with_work ON lanes (stream_id) WHERE unsettled > 0",
        Portal.PortalTokensProjection.Schema,
        Replay.ReplayJobsProjection.Schema,
        ReadModelDatabase.WebhookPoliciesTable,
        .. StatsSchema.Statements("text COLLATE \"C\""),
        .. Audit.AuditProjection.Statements("text COLLATE \"C\""),
    ];

    public static bool IsValidSchemaName(string? name) =>
        name is { Length: > 0 and <= 48 } && SchemaName().IsMatch(name) && !name.StartsWith("pg_", StringComparison.Ordinal);

    [GeneratedRegex("^[a-z_][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Pulse()
    {
        TaskCompletionSource pulse;
        lock (_gate)
        {
            pulse = _checkpointsChanged;
            _checkpointsChanged = NewPulse();
        }
        pulse.TrySetResult();
    }

    /// <summary>
    /// LISTENs for checkpoint commits and pulses <see cref="CheckpointsChanged"/> on each. While it is down (and on
    /// every reconnect, as notifications sent meanwhile are lost) it pulses anyway, so waiters read again.
    /// </summary>
    private async Task ListenLoopAsync()
    {
        var stop = _stop.Token;
        var delay = TimeSpan.FromMilliseconds(250);
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _listenSource.OpenConnectionAsync(stop);
                connection.Notification += (_, _) => Pulse();
                await using (var listen = new NpgsqlCommand($"LISTEN \"{Channel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop);
                }
                Pulse();
                if (failures > 0)
                {
                    _logger.LogInformation("Read-model listener for schema {Schema} is back after {Failures} failed attempts", Schema, failures);
                }
                failures = 0;
                delay = TimeSpan.FromMilliseconds(250);
                while (true)
                {
                    await connection.WaitAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Pulse();
                if (failures++ == 0)
                {
                    _logger.LogWarning(e, "Read-model listener for schema {Schema} lost its connection; reconnecting", Schema);
                }
                try
                {
                    await Task.Delay(delay, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
            }
        }
        Pulse();
    }

    private async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _migrationLockKey });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlDataSource Build(NpgsqlConnectionStringBuilder settings)
    {
        var builder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        return builder.Build();
    }
}
