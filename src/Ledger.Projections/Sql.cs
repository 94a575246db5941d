using System.Data.Common;

namespace Ledger.Projections;

/// <summary>Unix microseconds: the one time format of the read models, sortable and the same on every database.</summary>
public static class Micros
{
    public static long From(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static long? From(DateTimeOffset? at) => at is { } value ? From(value) : null;

    public static DateTimeOffset To(long micros) => new(DateTimeOffset.UnixEpoch.UtcTicks + (micros * 10), TimeSpan.Zero);
}

/// <summary>
/// Runs parameterised statements on one connection and transaction, reusing a command per statement. One SQL text
/// serves SQLite and PostgreSQL; a parameter that may be null and is tested with <c>IS NULL</c> is written
/// <c>CAST(@p AS BIGINT) IS NULL</c>, because PostgreSQL cannot type a bare null parameter there.
/// </summary>
public sealed class SqlSession(DbConnection connection, DbTransaction? transaction) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, IDeferredWrites> _deferred = [];

    public DbConnection Connection => connection;

    public int Execute(string sql, params (string Name, object? Value)[] parameters) => Prepare(sql, parameters).ExecuteNonQuery();

    public Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        Prepare(sql, parameters).ExecuteNonQueryAsync(cancellationToken);

    public async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var rows = new List<T>();
        await using var reader = await Prepare(sql, parameters).ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    private DbCommand Prepare(string sql, (string Name, object? Value)[] parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = transaction;
            foreach (var (name, _) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }
            _commands[sql] = command;
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters[i].Value = parameters[i].Value ?? DBNull.Value;
        }
        return command;
    }

    /// <summary>
    /// The session's one <typeparamref name="T"/>: changes a projection gathers over a whole batch and writes once, in
    /// <see cref="WriteDeferred"/> before the commit. It lives and dies with the session, so a batch that fails leaves
    /// nothing gathered behind for the next one.
    /// </summary>
    public T Deferred<T>()
        where T : class, IDeferredWrites, new()
    {
        if (!_deferred.TryGetValue(typeof(T), out var writes))
        {
            _deferred[typeof(T)] = writes = new T();
        }
        return (T)writes;
    }

    /// <summary>Writes what was gathered through <see cref="Deferred{T}"/>, and forgets it.</summary>
    public void WriteDeferred()
    {
        foreach (var writes in _deferred.Values)
        {
            writes.Write(this);
        }
        _deferred.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync();
        }
        _commands.Clear();
    }
}

/// <summary>Changes gathered over a batch of events and written at its end (<see cref="SqlSession.Deferred{T}"/>).</summary>
public interface IDeferredWrites
{
    void Write(SqlSession sql);
}

public static class ReaderExtensions
{
    public static string? NullableString(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableLong(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    public static int? NullableInt(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Convert.ToInt32(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    public static long Long(this DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    public static int Int(this DbDataReader reader, int ordinal) => Convert.ToInt32(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    public static DateTimeOffset? NullableTime(this DbDataReader reader, int ordinal) => reader.NullableLong(ordinal) is { } micros ? Micros.To(micros) : null;

    public static DateTimeOffset Time(this DbDataReader reader, int ordinal) => Micros.To(reader.Long(ordinal));
}
