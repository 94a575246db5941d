using System.Data.Common;

namespace Ledger.EventStore.Checkpoints;

/// <summary>
/// Checkpoints in a <c>checkpoints</c> table (one SQL text for SQLite and PostgreSQL), on one connection kept
/// across calls and opened again after a failure. <see cref="TryMoveAsync"/> moves a checkpoint inside a
/// consumer's own transaction, for consumers whose output must commit with it (the read models).
/// </summary>
public sealed class SqlCheckpointStore(Func<CancellationToken, Task<DbConnection>> open) : ICheckpointStore, IAsyncDisposable
{
    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, position BIGINT NOT NULL)";

    private const string SelectSql = "SELECT position FROM checkpoints WHERE name = @name";

    private const string StoreSql =
        """
        INSERT INTO checkpoints (name, position) VALUES (@name, @position)
        ON CONFLICT (name) DO UPDATE SET position = excluded.position WHERE checkpoints.position < excluded.position
        """;

    private const string SeedSql = "INSERT INTO checkpoints (name, position) VALUES (@name, 0) ON CONFLICT (name) DO NOTHING";

    private const string MoveSql = "UPDATE checkpoints SET position = @position WHERE name = @name AND position = @from";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private DbConnection? _connection;

    public async Task<long> LoadAsync(string consumer, CancellationToken cancellationToken)
    {
        var value = await RunAsync(SelectSql, cancellationToken, command => command.ExecuteScalarAsync(cancellationToken), ("@name", consumer));
        return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task StoreAsync(string consumer, long position, CancellationToken cancellationToken) =>
        RunAsync(StoreSql, cancellationToken, command => command.ExecuteNonQueryAsync(cancellationToken), ("@name", consumer), ("@position", position));

    /// <summary>
    /// Moves the consumer's checkpoint from <paramref name="from"/> to <paramref name="to"/> in the caller's
    /// transaction; false when it was not at <paramref name="from"/> (another writer moved it). Run it first in the
    /// transaction: it takes the row lock, so a second writer waits, then finds the checkpoint moved.
    /// </summary>
    public static async Task<bool> TryMoveAsync(DbConnection connection, DbTransaction transaction, string consumer, long from, long to, CancellationToken cancellationToken)
    {
        if (from == 0)
        {
            await using var seed = Command(connection, transaction, SeedSql, ("@name", consumer));
            await seed.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var move = Command(connection, transaction, MoveSql, ("@position", to), ("@name", consumer), ("@from", from));
        return await move.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private async Task<T> RunAsync<T>(string text, CancellationToken cancellationToken, Func<DbCommand, Task<T>> run, params (string Name, object Value)[] parameters)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _connection ??= await open(cancellationToken);
            await using var command = Command(_connection, null, text, parameters);
            return await run(command);
        }
        catch
        {
            // The connection may be broken: open a new one next time.
            await DropConnectionAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string text, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await DropConnectionAsync();
        }
        finally
        {
            _gate.Release();
        }
    }
}
