using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ledger.EventStore;
using Microsoft.Data.Sqlite;

namespace Ledger.EventStore.Tests;

/// <summary>
/// Writes an SQLite ledger as the first schema did (user_version 1), with hash-version-1 events (the hash over the
/// data text itself): what a ledger written before hash chain v2 holds.
/// </summary>
public static class VersionOneSqliteLedger
{
    /// <summary>Creates the ledger at <paramref name="path"/> with one stream of <paramref name="times"/>.Length events <c>{"n":v}</c>.</summary>
    public static async Task WriteAsync(string path, string stream, string type, IReadOnlyList<DateTimeOffset> times)
    {
        await using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        await raw.OpenAsync();
        Execute(raw, """
            CREATE TABLE events (
                position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
                occurred_at INTEGER NOT NULL, data TEXT NOT NULL, hash TEXT NOT NULL, idempotency_key TEXT,
                UNIQUE (stream_id, version));
            CREATE UNIQUE INDEX events_idempotency_key ON events (stream_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
            CREATE TABLE streams (stream_id TEXT PRIMARY KEY, version INTEGER NOT NULL, hash TEXT NOT NULL) WITHOUT ROWID;
            PRAGMA user_version = 1;
            """);
        var previous = "";
        for (var v = 0; v < times.Count; v++)
        {
            var at = EventHash.Truncate(times[v]);
            var data = $$"""{"n":{{v}}}""";
            var text = string.Join('\n', previous, stream, v.ToString(CultureInfo.InvariantCulture), type, EventHash.FormatTime(at), data);
            previous = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            await using var insert = raw.CreateCommand();
            insert.CommandText = "INSERT INTO events VALUES ($p, $s, $v, $t, $at, $d, $h, NULL)";
            insert.Parameters.AddWithValue("$p", v + 1);
            insert.Parameters.AddWithValue("$s", stream);
            insert.Parameters.AddWithValue("$v", v);
            insert.Parameters.AddWithValue("$t", type);
            insert.Parameters.AddWithValue("$at", (at - DateTimeOffset.UnixEpoch).Ticks / 10);
            insert.Parameters.AddWithValue("$d", data);
            insert.Parameters.AddWithValue("$h", previous);
            await insert.ExecuteNonQueryAsync();
        }
        Execute(raw, $"INSERT INTO streams VALUES ('{stream}', {times.Count - 1}, '{previous}')");
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
