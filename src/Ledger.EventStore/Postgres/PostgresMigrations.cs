using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ledger.EventStore.Postgres;

/// <summary>
/// Creates and upgrades the store's schema. Each step runs once, recorded in <c>schema_migrations</c>; all of it
/// happens in one transaction under an advisory lock on the schema, so processes starting at the same time take
/// turns and the second one finds the work done. A schema newer than this code is refused rather than guessed at.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>
    /// Step n brings the schema to version n + 1. Never edit a released step; add one.
    /// <c>data</c> is <c>text</c>, not <c>jsonb</c>: the bytes stay exactly as given, because the hash covers them.
    /// Positions come from no sequence: they are assigned under the append lock (see <see cref="PostgresGroupCommit"/>).
    /// </summary>
    private static string[] Steps(PostgresSchema s) =>
    [
        $"""
        CREATE TABLE {s.Events} (
            position        bigint      NOT NULL PRIMARY KEY CHECK (position > 0),
            stream_id       text        NOT NULL,
            version         bigint      NOT NULL CHECK (version >= 0),
            type            text        NOT NULL,
            occurred_at     timestamptz NOT NULL,
            data            text        NOT NULL,
            hash            text        NOT NULL,
            idempotency_key text,
            CONSTRAINT events_stream_version UNIQUE (stream_id, version)
        );
        CREATE UNIQUE INDEX events_idempotency_key ON {s.Events} (stream_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE TABLE {s.Streams} (
            stream_id text   NOT NULL PRIMARY KEY,
            version   bigint NOT NULL,
            hash      text   NOT NULL
        );
        """,
        $"ALTER TABLE {s.Events} ADD COLUMN hash_version smallint NOT NULL DEFAULT 1",
    ];

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, PostgresSchema schema, ILogger logger, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = schema.MigrationLockKey });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        // CREATE SCHEMA IF NOT EXISTS still needs the CREATE right on the database; a schema made beforehand by
        // an administrator must not need it.
        await using (var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = schema.Name });
            if (!(bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                await ExecuteAsync(connection, transaction, $"CREATE SCHEMA \"{schema.Name}\"", cancellationToken);
            }
        }
        await ExecuteAsync(connection, transaction,
            $"CREATE TABLE IF NOT EXISTS {schema.Migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            cancellationToken);

        int current;
        await using (var command = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema.Migrations}", connection, transaction))
        {
            current = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        var steps = Steps(schema);
        if (current > steps.Length)
        {
            throw new EventStoreUnavailableException(
                $"schema {schema.Name} is at version {current}, newer than this Ledger knows ({steps.Length}); upgrade Ledger");
        }
        for (var version = current + 1; version <= steps.Length; version++)
        {
            await ExecuteAsync(connection, transaction, steps[version - 1], cancellationToken);
            await using var record = new NpgsqlCommand($"INSERT INTO {schema.Migrations} (version) VALUES ($1)", connection, transaction);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            await record.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Event store schema {Schema} migrated to version {Version}", schema.Name, version);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
