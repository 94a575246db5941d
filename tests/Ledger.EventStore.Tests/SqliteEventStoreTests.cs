using Ledger.EventStore.Sqlite;
using Ledger.TestSupport;
using Microsoft.Data.Sqlite;

namespace Ledger.EventStore.Tests;

/// <summary>The conformance suite on a SQLite file per test, plus what only the SQLite adapter promises.</summary>
public sealed class SqliteEventStoreTests : EventStoreConformance
{
    private readonly TempDirectory _directory = new("ledger-sqlite");

    private string LedgerPath => _directory.File("ledger.db");

    protected override Task<IEventStore> CreateStoreAsync() => Task.FromResult<IEventStore>(SqliteEventStore.Open(LedgerPath));

    protected override Task<IEventStore> ReopenStoreAsync() => Task.FromResult<IEventStore>(SqliteEventStore.Open(LedgerPath));

    protected override Task DropStorageAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Positions_are_gap_free_even_after_refused_appends()
    {
        var (a, b) = (NewStreamId("a"), NewStreamId("b"));
        await Store.AppendAsync(new StreamAppend(a, ExpectedVersion.NoStream, Event(0, "once"), Event(1)));
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => Store.AppendAsync(
            [new StreamAppend(b, ExpectedVersion.NoStream, Events(0, 3)), new StreamAppend(a, ExpectedVersion.NoStream, Event(2))]));
        await Assert.ThrowsAsync<DuplicateEventException>(() => Store.AppendAsync(
            [new StreamAppend(b, ExpectedVersion.NoStream, Events(0, 3)), new StreamAppend(a, ExpectedVersion.Any, Event(2, "once"))]));
        await Store.AppendAsync([new StreamAppend(b, ExpectedVersion.NoStream, Events(0, 3)), new StreamAppend(a, ExpectedVersion.At(1), Event(2))]);

        var all = await Store.ReadAllAsync(0, 100);

        Assert.Equal(Enumerable.Range(1, 6).Select(p => (long)p), all.Select(e => e.Position));
        Assert.Equal(6, await Store.ReadHeadPositionAsync());
    }

    [Fact]
    public async Task Appends_queued_behind_a_held_write_lock_commit_together_and_fail_alone()
    {
        var contended = NewStreamId("contended");
        var shared = NewStreamId("shared");
        await Store.AppendAsync(contended, ExpectedVersion.NoStream, Event(0));
        await Store.AppendAsync(shared, ExpectedVersion.NoStream, Event(0, "once"));
        var fresh = new List<(string Stream, Task<AppendResult> Append)>();
        var sharedAppends = new List<Task<AppendResult>>();
        var conflicts = new List<Task<AppendResult>>();
        var duplicates = new List<Task<AppendResult>>();

        await using (var blocker = OpenRawConnection())
        {
            // Another connection holds the write lock, so the store's writer cannot commit and every append queues
            // up behind it: they then go through in one or two transactions.
            Execute(blocker, "BEGIN IMMEDIATE");
            for (var n = 1; n <= 40; n++)
            {
                switch (n % 4)
                {
                    case 0:
                        var stream = NewStreamId("fresh");
                        fresh.Add((stream, Store.AppendAsync(stream, ExpectedVersion.NoStream, Event(n))));
                        break;
                    case 1:
                        conflicts.Add(Store.AppendAsync(contended, ExpectedVersion.At(5), Event(n)));
                        break;
                    case 2:
                        sharedAppends.Add(Store.AppendAsync(shared, ExpectedVersion.Any, Event(n, $"key-{n}")));
                        break;
                    default:
                        duplicates.Add(Store.AppendAsync(
                            [new StreamAppend(NewStreamId("bystander"), ExpectedVersion.NoStream, Event(n)), new StreamAppend(shared, ExpectedVersion.Any, Event(n, "once"))]));
                        break;
                }
            }
            Assert.DoesNotContain(fresh.Select(f => f.Append).Concat(sharedAppends).Concat(conflicts).Concat(duplicates), t => t.IsCompleted);
            Execute(blocker, "COMMIT");
        }

        foreach (var (stream, append) in fresh)
        {
            Assert.Equal(stream, (await append.WithinAsync(Patience, "an append")).Streams[0].StreamId);
        }
        var sharedVersions = new List<long>();
        foreach (var append in sharedAppends)
        {
            sharedVersions.Add((await append.WithinAsync(Patience, "an append")).Streams[0].LastVersion);
        }
        Assert.Equal(Enumerable.Range(1, 10).Select(v => (long)v), sharedVersions);
        foreach (var append in conflicts)
        {
            Assert.Equal(0, (await Assert.ThrowsAsync<WrongExpectedVersionException>(() => append.WithinAsync(Patience, "an append"))).Actual);
        }
        foreach (var append in duplicates)
        {
            Assert.Equal("once", (await Assert.ThrowsAsync<DuplicateEventException>(() => append.WithinAsync(Patience, "an append"))).IdempotencyKey);
        }
        AssertChain(await Store.ReadStreamAsync(shared));
        await AssertStreamUnchangedAsync(contended, 0);
        var all = await Store.ReadAllAsync(0, 100);
        Assert.Equal(Enumerable.Range(1, 2 + 10 + 10).Select(p => (long)p), all.Select(e => e.Position));
    }

    [Fact]
    public async Task Ledger_file_is_in_wal_mode_with_a_versioned_schema_that_reopening_keeps()
    {
        await Store.AppendAsync(NewStreamId(), ExpectedVersion.NoStream, Event(0));
        await RestartAsync();

        await using var raw = OpenRawConnection();
        Assert.Equal("wal", Scalar(raw, "PRAGMA journal_mode"));
        Assert.Equal(2L, Scalar(raw, "PRAGMA user_version"));
        Assert.Equal(
            ["events", "events_idempotency_key", "streams"],
            Strings(raw, "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"));
        Assert.Equal(1, await Store.ReadHeadPositionAsync());
    }

    [Fact]
    public async Task Events_are_stored_with_their_data_as_given_and_utc_microsecond_times()
    {
        var stream = NewStreamId();
        var data = """{ "spaced" : "out",  "é": "\u00e9" }""";
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, new NewEvent(TestEventType, data, T0, "key"));

        await using var raw = OpenRawConnection();
        await using var command = raw.CreateCommand();
        command.CommandText = "SELECT data, occurred_at, idempotency_key, typeof(occurred_at) FROM events WHERE stream_id = $stream";
        command.Parameters.AddWithValue("$stream", stream);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(data, reader.GetString(0));
        Assert.Equal((EventHash.Truncate(T0) - DateTimeOffset.UnixEpoch).Ticks / 10, reader.GetInt64(1));
        Assert.Equal("key", reader.GetString(2));
        Assert.Equal("integer", reader.GetString(3));
    }

    [Fact]
    public async Task Ledger_written_with_hash_version_1_still_verifies_and_new_events_use_version_2()
    {
        var path = _directory.File("v1.db");
        const string stream = "order-1";
        var times = new[] { T0, T0.AddSeconds(1) };
        await VersionOneSqliteLedger.WriteAsync(path, stream, TestEventType, times);

        await using var store = SqliteEventStore.Open(path);
        await store.AppendAsync(stream, ExpectedVersion.At(1), new NewEvent(TestEventType, """{"n":2}""", T0.AddSeconds(2)));
        var events = await store.ReadStreamAsync(stream);

        Assert.Equal([1, 1, 2], events.Select(e => e.HashVersion));
        Assert.True(EventHash.VerifyChain(events, out var problem), problem);
    }

    [Fact]
    public async Task Open_creates_missing_directories()
    {
        var path = System.IO.Path.Combine(_directory.Path, "a", "b", "ledger.db");

        await using var store = SqliteEventStore.Open(path);

        Assert.True(File.Exists(path));
        Assert.Equal(path, store.Path);
    }

    [Fact]
    public async Task Ledger_from_a_newer_schema_version_is_refused_with_a_clear_error()
    {
        var path = _directory.File("newer.db");
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync();
            Execute(raw, "PRAGMA user_version = 99");
        }

        var error = Assert.Throws<EventStoreUnavailableException>(() => SqliteEventStore.Open(path));

        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_that_is_not_a_ledger_is_reported_unavailable()
    {
        var path = _directory.File("garbage.db");
        await File.WriteAllBytesAsync(path, [.. Enumerable.Repeat((byte)'x', 8192)]);

        var error = Assert.Throws<EventStoreUnavailableException>(() => SqliteEventStore.Open(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private SqliteConnection OpenRawConnection()
    {
        var connection = new SqliteConnection($"Data Source={LedgerPath};Pooling=False;Default Timeout=5");
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 5000");
        return connection;
    }

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

    private static List<string> Strings(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }
}
