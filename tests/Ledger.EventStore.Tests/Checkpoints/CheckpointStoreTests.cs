using System.Data.Common;
using Ledger.EventStore.Checkpoints;
using Ledger.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Ledger.EventStore.Tests.Checkpoints;

/// <summary>The checkpoint store every consumer uses, on a real SQLite file and a real PostgreSQL schema.</summary>
public abstract class CheckpointStoreTests
{
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    private SqlCheckpointStore Store() => new(async ct =>
    {
        var connection = await OpenAsync(ct);
        await using var create = connection.CreateCommand();
        create.CommandText = SqlCheckpointStore.CreateTableSql;
        await create.ExecuteNonQueryAsync(ct);
        return connection;
    });

    [Fact]
    public async Task A_consumer_without_a_checkpoint_starts_at_zero_and_a_stored_one_never_moves_back()
    {
        await using var store = Store();
        Assert.Equal(0, await store.LoadAsync("fan-out", CancellationToken.None));

        await store.StoreAsync("fan-out", 42, CancellationToken.None);
        await store.StoreAsync("fan-out", 17, CancellationToken.None);
        await store.StoreAsync("other", 5, CancellationToken.None);

        await using var reopened = Store();
        Assert.Equal(42, await reopened.LoadAsync("fan-out", CancellationToken.None));
        Assert.Equal(5, await reopened.LoadAsync("other", CancellationToken.None));
    }

    [Fact]
    public async Task A_move_inside_a_transaction_succeeds_only_from_where_the_checkpoint_is()
    {
        await using var store = Store();
        await store.LoadAsync("read-models", CancellationToken.None);
        await using var connection = await OpenAsync(CancellationToken.None);

        await using (var first = await connection.BeginTransactionAsync())
        {
            Assert.True(await SqlCheckpointStore.TryMoveAsync(connection, first, "read-models", 0, 10, CancellationToken.None));
            await first.CommitAsync();
        }
        await using (var stale = await connection.BeginTransactionAsync())
        {
            Assert.False(await SqlCheckpointStore.TryMoveAsync(connection, stale, "read-models", 0, 20, CancellationToken.None));
            await stale.RollbackAsync();
        }
        await using (var rolledBack = await connection.BeginTransactionAsync())
        {
            Assert.True(await SqlCheckpointStore.TryMoveAsync(connection, rolledBack, "read-models", 10, 30, CancellationToken.None));
            await rolledBack.RollbackAsync();
        }

        Assert.Equal(10, await store.LoadAsync("read-models", CancellationToken.None));
    }
}

public sealed class SqliteCheckpointStoreTests : CheckpointStoreTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection($"Data Source={_directory.File("read.db")};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public void Dispose() => _directory.Dispose();
}

public sealed class PostgresCheckpointStoreTests(PostgresFixture postgres) : CheckpointStoreTests, IClassFixture<PostgresFixture>
{
    private readonly string _schema = postgres.NewSchema();

    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { SearchPath = _schema }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS \"{_schema}\"", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    [Fact]
    public async Task A_connection_cut_under_the_store_fails_one_call_and_the_next_reconnects()
    {
        await using var store = new SqlCheckpointStore(async ct =>
        {
            var connection = await OpenAsync(ct);
            await using var create = connection.CreateCommand();
            create.CommandText = SqlCheckpointStore.CreateTableSql;
            await create.ExecuteNonQueryAsync(ct);
            return connection;
        });
        await store.StoreAsync("fan-out", 7, CancellationToken.None);

        await using (var admin = new NpgsqlConnection(postgres.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '%checkpoints%' AND datname = current_database()", admin);
            await kill.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAnyAsync<Exception>(() => store.StoreAsync("fan-out", 8, CancellationToken.None));
        await store.StoreAsync("fan-out", 9, CancellationToken.None);
        Assert.Equal(9, await store.LoadAsync("fan-out", CancellationToken.None));
    }
}
