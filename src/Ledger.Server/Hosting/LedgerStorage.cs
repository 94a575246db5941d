using Ledger.EventStore;
using Ledger.EventStore.Cluster;
using Ledger.EventStore.Postgres;
using Ledger.EventStore.Sqlite;
using Ledger.Projections;
using Npgsql;

namespace Ledger.Server.Hosting;

/// <summary><c>Ledger:Storage</c>: where the ledger and its read models live.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "Ledger:Storage";

    public const string SqliteProvider = "sqlite";
    public const string PostgresProvider = "postgres";

    /// <summary>The name under <c>ConnectionStrings</c> of the PostgreSQL connection string.</summary>
    public const string ConnectionStringName = "Ledger";

    public string Provider { get; set; } = SqliteProvider;

    public SqliteStorageOptions Sqlite { get; set; } = new();

    public PostgresStorageOptions Postgres { get; set; } = new();

    public sealed class SqliteStorageOptions
    {
        public string Path { get; set; } = "./data/ledger.db";
    }

    public sealed class PostgresStorageOptions
    {
        /// <summary>The ledger's schema; instances on the same schema share the work (leases).</summary>
        public string Schema { get; set; } = PostgresEventStore.DefaultSchema;

        /// <summary>The read models' schema (default: the ledger's schema + <c>_read</c>).</summary>
        public string? ReadModelSchema { get; set; }
    }
}

public static class LedgerStorage
{
    /// <summary>
    /// The event store, the read-model database and the cluster leases of the configured provider. A setting that
    /// is missing or malformed stops the server here, with a message that names it.
    /// </summary>
    public static IServiceCollection AddLedgerStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        switch (options.Provider.ToLowerInvariant())
        {
            case StorageOptions.SqliteProvider:
                var path = Path.GetFullPath(options.Sqlite.Path);
                services.AddSingleton<IEventStore>(sp => new TailCachingEventStore(SqliteEventStore.Open(path, sp.GetRequiredService<ILogger<SqliteEventStore>>())));
                services.AddSingleton<ReadModelDatabase>(new SqliteReadModelDatabase(ReadModelPath(path)));
                services.AddSingleton<IClusterLeases>(SingleInstanceLeases.Instance);
                services.AddSingleton(_ => new LedgerInstanceLock(path));
                break;
            case StorageOptions.PostgresProvider:
                AddPostgres(services, configuration, options.Postgres);
                services.AddSingleton(_ => new LedgerInstanceLock(null));
                break;
            default:
                throw new LedgerConfigurationException(
                    $"Ledger:Storage:Provider '{options.Provider}' is not supported; use '{StorageOptions.SqliteProvider}' or '{StorageOptions.PostgresProvider}'");
        }
        return services;
    }

    /// <summary>The read models sit beside the ledger file: ledger.db → ledger.read.db.</summary>
    public static string ReadModelPath(string ledgerPath) =>
        Path.Combine(Path.GetDirectoryName(ledgerPath) ?? ".", Path.GetFileNameWithoutExtension(ledgerPath) + ".read.db");

    private static void AddPostgres(IServiceCollection services, IConfiguration configuration, StorageOptions.PostgresStorageOptions options)
    {
        var connectionString = configuration.GetConnectionString(StorageOptions.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new LedgerConfigurationException(
                "Ledger:Storage:Provider is 'postgres' but ConnectionStrings:Ledger is not set; set it, e.g. "
                + "ConnectionStrings__Ledger='Host=db;Port=5432;Database=ledger;Username=ledger;Password=…'");
        }
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new LedgerConfigurationException($"ConnectionStrings:Ledger is not a valid PostgreSQL connection string: {ex.Message}", ex);
        }
        var schema = options.Schema;
        var readSchema = string.IsNullOrWhiteSpace(options.ReadModelSchema) ? schema + PostgresReadModelDatabase.SchemaSuffix : options.ReadModelSchema;
        if (!PostgresReadModelDatabase.IsValidSchemaName(schema) || !PostgresReadModelDatabase.IsValidSchemaName(readSchema) || schema == readSchema)
        {
            throw new LedgerConfigurationException(
                $"Ledger:Storage:Postgres:Schema '{schema}' and ReadModelSchema '{readSchema}' must be two different names of 1 to 48 "
                + "characters of a-z 0-9 _, starting with a letter or _, not pg_…");
        }
        var cluster = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        try
        {
            cluster.Validate();
        }
        catch (InvalidOperationException ex)
        {
            throw new LedgerConfigurationException(ex.Message, ex);
        }

        // Opened (and migrated) when the host first needs it, before the server answers: a database that cannot be
        // reached stops the start with the reason.
        services.AddSingleton<IEventStore>(sp => new TailCachingEventStore(
            PostgresEventStore.CreateAsync(connectionString, schema, sp.GetRequiredService<ILogger<PostgresEventStore>>()).GetAwaiter().GetResult()));
        services.AddSingleton<ReadModelDatabase>(sp =>
            new PostgresReadModelDatabase(connectionString, readSchema, sp.GetRequiredService<ILogger<PostgresReadModelDatabase>>()));
        services.AddSingleton<IClusterLeases>(sp =>
            new PostgresClusterLeases(connectionString, schema, cluster, sp.GetRequiredService<ILogger<PostgresClusterLeases>>(), sp.GetService<TimeProvider>()));
    }
}
