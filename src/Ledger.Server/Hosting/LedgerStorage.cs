using Ledger.EventStore;
using Ledger.EventStore.Sqlite;
using Ledger.Projections;

namespace Ledger.Server.Hosting;

/// <summary><c>Ledger:Storage</c>: where the ledger and its read models live.</summary>
public sealed class StorageOptions
{
    public const string SqliteProvider = "sqlite";
    public const string PostgresProvider = "postgres";

    public string Provider { get; set; } = SqliteProvider;

    public SqliteStorageOptions Sqlite { get; set; } = new();

    public sealed class SqliteStorageOptions
    {
        public string Path { get; set; } = "./data/ledger.db";
    }
}

public static class LedgerStorage
{
    /// <summary>The event store and the read-model database of the configured provider.</summary>
    public static IServiceCollection AddLedgerStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Ledger:Storage").Get<StorageOptions>() ?? new StorageOptions();
        switch (options.Provider.ToLowerInvariant())
        {
            case StorageOptions.SqliteProvider:
                var path = Path.GetFullPath(options.Sqlite.Path);
                services.AddSingleton<IEventStore>(sp => SqliteEventStore.Open(path, sp.GetRequiredService<ILogger<SqliteEventStore>>()));
                services.AddSingleton<ReadModelDatabase>(new SqliteReadModelDatabase(ReadModelPath(path)));
                break;
            default:
                throw new InvalidOperationException(
                    $"Ledger:Storage:Provider '{options.Provider}' is not supported; use {StorageOptions.SqliteProvider}'");
        }
        return services;
    }

    /// <summary>The read models sit beside the ledger file: ledger.db → ledger.read.db.</summary>
    public static string ReadModelPath(string ledgerPath) =>
        Path.Combine(Path.GetDirectoryName(ledgerPath) ?? ".", Path.GetFileNameWithoutExtension(ledgerPath) + ".read.db");
}
