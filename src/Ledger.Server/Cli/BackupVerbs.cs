using System.Globalization;
using Ledger.Keys;
using Ledger.Projections;
using Ledger.Server.Hosting;
using Microsoft.Data.Sqlite;

namespace Ledger.Server.Cli;

/// <summary>
/// <c>backup FILE</c> and <c>restore FILE [--force]</c> of an embedded (SQLite) ledger. The backup holds the ledger
/// only: the read models are derived from it and rebuilt on restore. The master key travels beside it as
/// <c>FILE.masterkey</c> when it is a file; a key from configuration must be kept by the operator.
/// </summary>
internal static class BackupVerbs
{
    public const string KeySuffix = ".masterkey";

    public static async Task<int> BackupAsync(IConfiguration configuration, string file, CancellationToken cancellationToken)
    {
        if (SqlitePath(configuration) is not { } ledger)
        {
            return RefusePostgres(configuration, "pg_dump -Fc -n {0} -n {1} -f ledger.dump \"$DATABASE_URL\"");
        }
        if (!File.Exists(ledger))
        {
            Console.Error.WriteLine($"there is no ledger at {ledger}");
            return 1;
        }
        var target = Path.GetFullPath(file);
        if (File.Exists(target) || File.Exists(target + KeySuffix))
        {
            Console.Error.WriteLine($"{target} (or {target}{KeySuffix}) exists; a backup never overwrites a file");
            return 1;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var started = TimeProvider.System.GetTimestamp();
        Console.WriteLine($"Backing up the ledger {ledger} to {target}…");
        long events;
        await using (var connection = Open(ledger))
        {
            await connection.OpenAsync(cancellationToken);
            // One read transaction: the copy is the ledger as of one moment, while the server goes on writing.
            await using var vacuum = connection.CreateCommand();
            vacuum.CommandText = "PRAGMA busy_timeout = 30000; VACUUM INTO $target;";
            vacuum.Parameters.AddWithValue("$target", target);
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var copy = Open(target))
        {
            await copy.OpenAsync(cancellationToken);
            events = await CountEventsAsync(copy, cancellationToken);
        }
        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        var megabytes = new FileInfo(target).Length / 1048576.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Backed up {events:N0} events ({megabytes:F1} MB) in {seconds:F1} s ({events / Math.Max(seconds, 0.001):N0} events/s, {megabytes / Math.Max(seconds, 0.001):F1} MB/s)."));
        Console.WriteLine("The read models are not in the backup: restore rebuilds them from the ledger.");

        var key = LedgerKeys.MasterKeySourceOf(configuration);
        if (key.KeyFile is null)
        {
            Console.WriteLine("WARNING: the master key comes from configuration (Ledger__Secrets__MasterKey) and is NOT in this backup; "
                + "keep it with the backup: without it the webhook secrets in the ledger cannot be read.");
        }
        else if (File.Exists(key.KeyFile))
        {
            MasterKey.Load(key.KeyFile).WriteFile(target + KeySuffix);
            Console.WriteLine($"The master key {key.KeyFile} is copied to {target}{KeySuffix} (mode 0600): keep the two files together, and as safe as the key.");
        }
        else
        {
            Console.WriteLine($"There is no master key file yet ({key.KeyFile}): the ledger holds no encrypted secrets.");
        }
        return 0;
    }

    public static async Task<int> RestoreAsync(IServiceProvider services, IConfiguration configuration, string file, bool force, CancellationToken cancellationToken)
    {
        if (SqlitePath(configuration) is not { } ledger)
        {
            return RefusePostgres(configuration, "pg_restore --clean --if-exists -d \"$DATABASE_URL\" ledger.dump, then rebuild-projections (schemas {0}, {1})");
        }
        var source = Path.GetFullPath(file);
        if (!File.Exists(source))
        {
            Console.Error.WriteLine($"there is no backup at {source}");
            return 1;
        }
        await using (var check = Open(source))
        {
            await check.OpenAsync(cancellationToken);
            try
            {
                _ = await CountEventsAsync(check, cancellationToken);
            }
            catch (SqliteException ex)
            {
                Console.Error.WriteLine($"{source} is not a Ledger backup: {ex.Message}");
                return 1;
            }
        }
        using var held = LedgerInstanceLock.TryHold(ledger);
        if (held is null)
        {
            Console.Error.WriteLine($"restore: a Ledger server is running on {ledger}; stop it first");
            return 1;
        }
        if (File.Exists(ledger) && new FileInfo(ledger).Length > 0 && !force)
        {
            Console.Error.WriteLine($"restore: a ledger exists at {ledger}; restore into an absent or empty ledger path, or give --force to replace it");
            return 1;
        }
        if (RestoreKey(configuration, ledger, source + KeySuffix, force) is { } refusal)
        {
            Console.Error.WriteLine($"restore: {refusal}");
            return 1;
        }
        var readModels = LedgerStorage.ReadModelPath(ledger);
        foreach (var stale in new[] { ledger, readModels }.SelectMany(p => new[] { p, p + "-wal", p + "-shm" }))
        {
            File.Delete(stale);
        }
        var started = TimeProvider.System.GetTimestamp();
        var partial = ledger + ".restoring";
        File.Copy(source, partial, overwrite: true);
        File.Move(partial, ledger);
        var megabytes = new FileInfo(ledger).Length / 1048576.0;
        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Restored the ledger {ledger} ({megabytes:F1} MB) in {seconds:F1} s ({megabytes / Math.Max(seconds, 0.001):F1} MB/s)."));
        return await RebuildProjectionsCommand.RebuildAsync(services, cancellationToken);
    }

    /// <summary>Puts the backup's key file where the restored ledger looks for its key; why not, or null.</summary>
    private static string? RestoreKey(IConfiguration configuration, string ledger, string keyBackup, bool force)
    {
        var secrets = configuration.GetSection(SecretsOptions.Section).Get<SecretsOptions>() ?? new SecretsOptions();
        if (!string.IsNullOrWhiteSpace(secrets.MasterKey))
        {
            var configured = MasterKey.Parse(secrets.MasterKey, "Ledger:Secrets:MasterKey");
            if (File.Exists(keyBackup) && MasterKey.Load(keyBackup).Id != configured.Id && !force)
            {
                return $"the backup's key {keyBackup} is not the configured Ledger__Secrets__MasterKey; configure that key, or give --force to restore anyway";
            }
            Console.WriteLine("The master key comes from configuration: it must be the key the backup was taken with.");
            return null;
        }
        var target = string.IsNullOrWhiteSpace(secrets.MasterKeyFile) ? MasterKeySource.DefaultKeyFile(ledger) : Path.GetFullPath(secrets.MasterKeyFile);
        if (!File.Exists(keyBackup))
        {
            Console.WriteLine($"WARNING: there is no {keyBackup}: if the ledger holds secrets, put its master key at {target} before starting the server.");
            return null;
        }
        var key = MasterKey.Load(keyBackup);
        if (File.Exists(target))
        {
            return MasterKey.Load(target).Id == key.Id
                ? null
                : $"{target} holds another master key ({MasterKey.Load(target).Id}, the backup's is {key.Id}); move it away first (it may be the only key to another ledger)";
        }
        key.WriteFile(target);
        Console.WriteLine($"The master key {key.Id} is restored to {target} (mode 0600).");
        return null;
    }

    /// <summary>The SQLite ledger's full path, or null on PostgreSQL.</summary>
    public static string? SqlitePath(IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        return string.Equals(storage.Provider, StorageOptions.SqliteProvider, StringComparison.OrdinalIgnoreCase) ? Path.GetFullPath(storage.Sqlite.Path) : null;
    }

    private static int RefusePostgres(IConfiguration configuration, string command)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var schema = storage.Postgres.Schema;
        var read = string.IsNullOrWhiteSpace(storage.Postgres.ReadModelSchema) ? schema + PostgresReadModelDatabase.SchemaSuffix : storage.Postgres.ReadModelSchema;
        Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "backup and restore are for SQLite storage; on PostgreSQL use " + command + " (see docs/operations.md), and keep the master key too", schema, read));
        return 1;
    }

    private static SqliteConnection Open(string path) =>
        new(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());

    private static async Task<long> CountEventsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM events";
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }
}
