using System.Security.Cryptography;
using Npgsql;
using Xunit;

namespace Ledger.TestSupport;

/// <summary>
/// One test class's share of the test PostgreSQL server (<see cref="PostgresTestServer"/>): its own schema with a
/// random name (<see cref="Schema"/>), more on demand (<see cref="NewSchema"/>), all dropped when the class is done.
/// Use it as a class fixture. Without <c>LEDGER_TEST_POSTGRES</c> it fails at construction, so every test of the
/// class fails and says how to get a server.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly List<string> _schemas = [];
    private readonly Lock _lock = new();

    public PostgresFixture()
    {
        ConnectionString = PostgresTestServer.ConnectionString;
        Schema = NewSchema();
    }

    public string ConnectionString { get; }

    /// <summary>The class's schema (the store under test creates it).</summary>
    public string Schema { get; }

    /// <summary>Another fresh schema name, not created yet, dropped with the others.</summary>
    public string NewSchema()
    {
        var name = "test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        lock (_lock)
        {
            _schemas.Add(name);
        }
        return name;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        string[] schemas;
        lock (_lock)
        {
            schemas = [.. _schemas];
            _schemas.Clear();
        }
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        foreach (var schema in schemas)
        {
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
