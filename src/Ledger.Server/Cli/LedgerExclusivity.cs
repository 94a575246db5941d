using Ledger.EventStore.Cluster;
using Ledger.Server.Hosting;

namespace Ledger.Server.Cli;

/// <summary>
/// Whether a maintenance verb has the ledger to itself: on SQLite the lock file the server holds
/// (<see cref="LedgerInstanceLock"/>), on PostgreSQL the cluster's leases.
/// </summary>
internal static class LedgerExclusivity
{
    /// <summary>What to dispose when done, or null when a server is running on the ledger.</summary>
    public static async Task<IAsyncDisposable?> TryHoldAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (BackupVerbs.SqlitePath(configuration) is { } ledger)
        {
            return LedgerInstanceLock.TryHold(ledger);
        }
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var connectionString = configuration.GetConnectionString(StorageOptions.ConnectionStringName)
            ?? throw new LedgerConfigurationException("ConnectionStrings:Ledger is not set");
        return await PostgresClusterLeases.TryHoldAloneAsync(connectionString, storage.Postgres.Schema, cancellationToken);
    }
}
