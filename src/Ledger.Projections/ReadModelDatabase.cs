using System.Data.Common;
using Ledger.EventStore.Checkpoints;
using Ledger.Projections.Stats;

namespace Ledger.Projections;

/// <summary>
/// Where the read models live. The statements that fill and query them are shared; only the schema and the
/// connection differ between SQLite and PostgreSQL. Times are Unix microseconds, JSON is text, flags are 0/1.
/// </summary>
public abstract class ReadModelDatabase
{
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Creates the tables and indexes when missing.</summary>
    public abstract Task EnsureSchemaAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Drops every read-model table and the read models' checkpoint (for a rebuild); <see cref="EnsureSchemaAsync"/>
    /// makes them again. Other checkpoints (the fan-out reactor's) stay: a rebuild re-reads, it never re-reacts.
    /// </summary>
    public abstract Task DropAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Completes when another process may have committed a checkpoint (take it before reading the checkpoint, then
    /// await it). Where one process is all there is, it never completes and followers fall back to reading again.
    /// </summary>
    public virtual Task CheckpointsChanged => Never.Task;

    /// <summary>
    /// A statement run in the transaction that writes a checkpoint, so that other processes hear of the commit
    /// (<see cref="CheckpointsChanged"/>); null where there is no one to tell.
    /// </summary>
    public virtual string? NotifyCheckpointSql => null;

    /// <summary>
    /// Readies <paramref name="connection"/> for replaying the whole ledger into the freshly made, empty read models.
    /// SQLite and PostgreSQL drop the secondary indexes (<see cref="EndRebuildAsync"/> makes each again in one pass
    /// over its table instead of one index update per row) and let commits skip waiting for the disk. Nothing is lost
    /// by that: a rebuild that a crash interrupts is simply run again, and a server started on a half-rebuilt read
    /// model makes the indexes again and carries on from the read models' checkpoint. By default nothing changes.
    /// </summary>
    public virtual Task BeginRebuildAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Undoes <see cref="BeginRebuildAsync"/>: durable commits again, everything written so far included, and every secondary index made.</summary>
    public virtual Task EndRebuildAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The names of the schema's secondary indexes (primary keys are part of their tables and stay through a rebuild).</summary>
    public virtual IEnumerable<string> SecondaryIndexNames => [];

    /// <summary><see cref="BeginRebuildAsync"/> for a database whose schema is <paramref name="schema"/>.</summary>
    protected static async Task DropIndexesForRebuildAsync(DbConnection connection, IReadOnlyList<string> schema, string relaxDurabilitySql, CancellationToken cancellationToken)
    {
        foreach (var name in IndexNames(schema))
        {
            await ExecuteAsync(connection, $"DROP INDEX IF EXISTS {name}", cancellationToken);
        }
        await ExecuteAsync(connection, relaxDurabilitySql, cancellationToken);
    }

    /// <summary><see cref="EndRebuildAsync"/> for a database whose schema is <paramref name="schema"/>.</summary>
    protected static async Task MakeIndexesAfterRebuildAsync(DbConnection connection, IReadOnlyList<string> schema, string durableSql, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, durableSql, cancellationToken);
        foreach (var statement in schema.Where(s => IndexName(s) is not null))
        {
            await ExecuteAsync(connection, statement, cancellationToken);
        }
    }

    protected static IEnumerable<string> IndexNames(IReadOnlyList<string> schema) => schema.Select(IndexName).OfType<string>();

    private static string? IndexName(string statement)
    {
        const string Create = "CREATE INDEX IF NOT EXISTS ";
        return statement.StartsWith(Create, StringComparison.Ordinal) ? statement[Create.Length..].Split(' ', 2)[0] : null;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The consumers' checkpoints, in this database's <c>checkpoints</c> table, on a connection kept open.</summary>
    public ICheckpointStore CreateCheckpointStore() => new SqlCheckpointStore(async cancellationToken =>
    {
        await EnsureSchemaAsync(cancellationToken);
        return await OpenAsync(cancellationToken);
    });

    private static readonly TaskCompletionSource Never = new();

    /// <summary>The read-model tables, in the order a dump lists them.</summary>
    public static readonly IReadOnlyList<string> Tables = ["checkpoints", "webhooks", "events", "deliveries", "attempts", "lanes", Portal.PortalTokensProjection.Table, Replay.ReplayJobsProjection.Table, "webhook_policies", .. StatsSchema.Tables, Audit.AuditProjection.Table];

    public static readonly IReadOnlyList<string> DropStatements =
    [
        SqlCheckpointStore.CreateTableSql,
        "DELETE FROM checkpoints WHERE name = 'read-models'",
        .. Tables.Where(t => t != "checkpoints").Select(t => $"DROP TABLE IF EXISTS {t}"),
    ];

    /// <summary>
    /// The portable schema: column types both SQLite and PostgreSQL take (TEXT, BIGINT, INTEGER).
    /// Deliveries are paged newest first by (created_at, id), optionally within a status or a webhook.
    /// </summary>
    public static readonly IReadOnlyList<string> PortableSchema =
    [
        SqlCheckpointStore.CreateTableSql,
        """
        CREATE TABLE IF NOT EXISTS webhooks (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL, description TEXT,
            profile TEXT NOT NULL, secret TEXT NOT NULL, previous_secret TEXT, previous_secret_expires_at BIGINT,
            active INTEGER NOT NULL, disabled_reason TEXT, ordering TEXT NOT NULL, retry_schedule TEXT,
            max_attempt_age_seconds INTEGER, rate_limit_per_minute INTEGER, filters TEXT, metadata TEXT,
            circuit_state TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, deleted INTEGER NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS webhooks_by_tenant ON webhooks (tenant_id, created_at, id)",
        """
        CREATE TABLE IF NOT EXISTS events (
            tenant_id TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, api_version TEXT, created_at BIGINT NOT NULL,
            data TEXT NOT NULL, metadata TEXT, ordering_key TEXT, position BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))
        """,
        """
        CREATE TABLE IF NOT EXISTS deliveries (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, webhook_id TEXT NOT NULL, event_id TEXT NOT NULL,
            event_type TEXT NOT NULL, stream_id TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL,
            last_attempted_at BIGINT, last_status_code INTEGER, last_failure_code TEXT, last_error_message TEXT,
            next_attempt_at BIGINT, terminal_failure_at BIGINT, delivered_at BIGINT, created_at BIGINT NOT NULL,
            latency_ms INTEGER)
        """,
        "CREATE INDEX IF NOT EXISTS deliveries_by_tenant ON deliveries (tenant_id, created_at DESC, id DESC)",
        "CREATE INDEX IF NOT EXISTS deliveries_by_tenant_status ON deliveries (tenant_id, status, created_at DESC, id DESC)",
        "CREATE INDEX IF NOT EXISTS deliveries_by_webhook ON deliveries (webhook_id, created_at DESC, id DESC)",
        "CREATE INDEX IF NOT EXISTS deliveries_by_event ON deliveries (tenant_id, event_id)",
        """
        CREATE TABLE IF NOT EXISTS attempts (
            delivery_id TEXT NOT NULL, number INTEGER NOT NULL, tenant_id TEXT NOT NULL, started_at BIGINT NOT NULL,
            duration_ms INTEGER NOT NULL, status_code INTEGER, failure_code TEXT, error_message TEXT, response_body TEXT,
            PRIMARY KEY (delivery_id, number))
        """,
        """
        CREATE TABLE IF NOT EXISTS lanes (
            stream_id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, tenant_id TEXT NOT NULL, unsettled INTEGER NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS lanes_with_work ON lanes (unsettled, stream_id)",
        Portal.PortalTokensProjection.Schema,
        Replay.ReplayJobsProjection.Schema,
        WebhookPoliciesTable,
        .. StatsSchema.Statements("TEXT"),
        .. Audit.AuditProjection.Statements("TEXT"),
    ];

    /// <summary>
    /// The delivery policies' side of a webhook (docs/delivery-semantics.md), in a table of its own so read models made before it
    /// existed gain it without a migration: the auto-disable setting and the breaker's opening and next probe.
    /// </summary>
    public const string WebhookPoliciesTable =
        """
        CREATE TABLE IF NOT EXISTS webhook_policies (
            webhook_id TEXT PRIMARY KEY, disable_after_failures INTEGER, circuit_opened_at BIGINT, next_probe_at BIGINT)
        """;
}
