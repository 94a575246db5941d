using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Ledger.EventStore.Sqlite;

/// <summary>
/// Opens connections to the ledger file and brings its schema up to date. The schema's version is the file's
/// <c>PRAGMA user_version</c>; each step runs once, inside the write lock, so two processes opening one file at
/// the same time cannot both apply it.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>How long a connection waits for another one's write lock before SQLite reports busy.</summary>
    public const int BusyTimeoutMilliseconds = 5000;

    /// <summary>Index i brings a file from version i to i + 1.</summary>
    private static readonly string[] Steps =
    [
        """
        CREATE TABLE events (
            position        INTEGER PRIMARY KEY,
            stream_id       TEXT    NOT NULL,
            version         INTEGER NOT NULL,
            type            TEXT    NOT NULL,
            occurred_at     INTEGER NOT NULL, -- microseconds since 1970-01-01T00:00:00Z
            data            TEXT    NOT NULL,
            hash            TEXT    NOT NULL,
            idempotency_key TEXT,
            UNIQUE (stream_id, version)
        );
        CREATE UNIQUE INDEX events_idempotency_key ON events (stream_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE TABLE streams (
            stream_id TEXT    PRIMARY KEY,
            version   INTEGER NOT NULL,
            hash      TEXT    NOT NULL
        ) WITHOUT ROWID;
        """,
        "ALTER TABLE events ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;",
    ];

    public static int CurrentVersion => Steps.Length;

    public static SqliteConnection OpenWriter(string path)
    {
        var connection = Open(path, SqliteOpenMode.ReadWriteCreate);
        try
        {
            // WAL is a property of the file, so it outlives this connection; synchronous=NORMAL in WAL mode
            // loses nothing on a process crash (only an OS crash or power cut can drop the last commits).
            var mode = Scalar(connection, "PRAGMA journal_mode = WAL;");
            if (!string.Equals(Convert.ToString(mode, CultureInfo.InvariantCulture), "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new EventStoreUnavailableException($"{path} cannot be put in WAL mode (journal mode is {mode})");
            }
            Execute(connection, "PRAGMA synchronous = NORMAL;");
            // Room for the indexes' hot pages, and a WAL that shrinks back after a large commit.
            Execute(connection, "PRAGMA cache_size = -16384;");
            Execute(connection, "PRAGMA journal_size_limit = 67108864;");
            Migrate(connection, path);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static SqliteConnection OpenReader(string path)
    {
        var connection = Open(path, SqliteOpenMode.ReadWrite);
        try
        {
            Execute(connection, "PRAGMA query_only = ON;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            // The store keeps its own connections open for its lifetime; closing one must close the file.
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)};");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Migrate(SqliteConnection connection, string path)
    {
        if (UserVersion(connection) == CurrentVersion)
        {
            return;
        }
        Execute(connection, "BEGIN IMMEDIATE;");
        try
        {
            var version = UserVersion(connection);
            if (version > CurrentVersion)
            {
                throw new EventStoreUnavailableException(
                    $"{path} has ledger schema version {version}; this build knows versions up to {CurrentVersion}");
            }
            for (; version < CurrentVersion; version++)
            {
                Execute(connection, Steps[version]);
            }
            Execute(connection, $"PRAGMA user_version = {CurrentVersion.ToString(CultureInfo.InvariantCulture)};");
            Execute(connection, "COMMIT;");
        }
        catch
        {
            Execute(connection, "ROLLBACK;");
            throw;
        }
    }

    private static long UserVersion(SqliteConnection connection) => (long)Scalar(connection, "PRAGMA user_version;")!;

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
