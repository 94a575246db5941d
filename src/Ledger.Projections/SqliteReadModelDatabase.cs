using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Ledger.Projections;

/// <summary>Read models in their own SQLite file beside the ledger, so projection writes never wait on ledger appends.</summary>
public sealed class SqliteReadModelDatabase : ReadModelDatabase
{
    private readonly string _connectionString;

    public SqliteReadModelDatabase(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    // OFF still leaves a consistent file after a crash of the process (WAL); NORMAL is what every other connection runs.
    // Switching back from OFF, a checkpoint in FULL mode syncs what the rebuild wrote before the verb reports success.
    public override Task BeginRebuildAsync(DbConnection connection, CancellationToken cancellationToken) =>
        DropIndexesForRebuildAsync(connection, PortableSchema, "PRAGMA synchronous=OFF", cancellationToken);

    public override Task EndRebuildAsync(DbConnection connection, CancellationToken cancellationToken) =>
        MakeIndexesAfterRebuildAsync(connection, PortableSchema, "PRAGMA synchronous=FULL; PRAGMA wal_checkpoint(TRUNCATE); PRAGMA synchronous=NORMAL", cancellationToken);

    public override IEnumerable<string> SecondaryIndexNames => IndexNames(PortableSchema);

    public override async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        foreach (var statement in PortableSchema)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = statement;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public override async Task DropAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        foreach (var statement in DropStatements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = statement;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
