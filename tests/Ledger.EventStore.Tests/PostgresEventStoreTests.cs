using Ledger.EventStore.Postgres;
using Ledger.TestSupport;
using Npgsql;

namespace Ledger.EventStore.Tests;

/// <summary>
/// The conformance suite on the test PostgreSQL server, one schema for the class, plus what only the PostgreSQL
/// adapter promises about one store. Several stores on one schema are in <see cref="PostgresMultiProcessTests"/>.
/// </summary>
public sealed class PostgresEventStoreTests(PostgresFixture postgres) : EventStoreConformance, IClassFixture<PostgresFixture>
{
    protected override async Task<IEventStore> CreateStoreAsync() => await PostgresEventStore.CreateAsync(postgres.ConnectionString, postgres.Schema);

    protected override Task<IEventStore> ReopenStoreAsync() => CreateStoreAsync();

    [Fact]
    public async Task Positions_are_gap_free_even_after_refused_appends()
    {
        var start = await Store.ReadHeadPositionAsync();
        var (a, b) = (NewStreamId("a"), NewStreamId("b"));
        await Store.AppendAsync(new StreamAppend(a, ExpectedVersion.NoStream, Event(0, "once"), Event(1)));
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => Store.AppendAsync(
            [new StreamAppend(b, ExpectedVersion.NoStream, Events(0, 3)), new StreamAppend(a, ExpectedVersion.NoStream, Event(2))]));
        await Assert.ThrowsAsync<DuplicateEventException>(() => Store.AppendAsync(
            [new StreamAppend(b, ExpectedVersion.NoStream, Events(0, 3)), new StreamAppend(a, ExpectedVersion.Any, Event(2, "once"))]));
        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync(
            [new StreamAppend(b, ExpectedVersion.NoStream, Events(0, 3)), new StreamAppend(a, ExpectedVersion.Any, Event(2, UnindexableKey()))]));
        await Store.AppendAsync([new StreamAppend(b, ExpectedVersion.NoStream, Events(0, 3)), new StreamAppend(a, ExpectedVersion.At(1), Event(2))]);

        var all = await Store.ReadAllAsync(start, 100);

        Assert.Equal(Enumerable.Range(1, 6).Select(p => start + p), all.Select(e => e.Position));
        Assert.Equal(start + 6, await Store.ReadHeadPositionAsync());
    }

    [Fact]
    public async Task Appends_queued_behind_a_held_append_lock_commit_together_and_fail_alone()
    {
        var contended = NewStreamId("contended");
        var shared = NewStreamId("shared");
        await Store.AppendAsync(contended, ExpectedVersion.NoStream, Event(0));
        await Store.AppendAsync(shared, ExpectedVersion.NoStream, Event(0, "once"));
        var start = await Store.ReadHeadPositionAsync();
        var fresh = new List<(string Stream, Task<AppendResult> Append)>();
        var sharedAppends = new List<Task<AppendResult>>();
        var conflicts = new List<Task<AppendResult>>();
        var duplicates = new List<Task<AppendResult>>();
        var refused = new List<Task<AppendResult>>();

        await using (var blocker = await OpenRawConnectionAsync())
        await using (var transaction = await blocker.BeginTransactionAsync())
        {
            // Another session holds the append lock, as a writer in another process would, so every append queues
            // up behind it and they go through in one or two transactions.
            await using (var lockIt = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", blocker, transaction))
            {
                lockIt.Parameters.Add(new NpgsqlParameter<long> { TypedValue = new PostgresSchema(postgres.Schema).AppendLockKey });
                await lockIt.ExecuteNonQueryAsync();
            }
            for (var n = 1; n <= 50; n++)
            {
                switch (n % 5)
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
                    case 3:
                        // Passes every check before the write, and is refused by PostgreSQL inside the group's transaction.
                        refused.Add(Store.AppendAsync(
                            [new StreamAppend(NewStreamId("bystander"), ExpectedVersion.NoStream, Event(n)), new StreamAppend(shared, ExpectedVersion.Any, Event(n, UnindexableKey()))]));
                        break;
                    default:
                        duplicates.Add(Store.AppendAsync(
                            [new StreamAppend(NewStreamId("bystander"), ExpectedVersion.NoStream, Event(n)), new StreamAppend(shared, ExpectedVersion.Any, Event(n, "once"))]));
                        break;
                }
            }
            Assert.DoesNotContain(fresh.Select(f => f.Append).Concat(sharedAppends).Concat(conflicts).Concat(duplicates).Concat(refused), t => t.IsCompleted);
            await transaction.CommitAsync();
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
        foreach (var append in refused)
        {
            await Assert.ThrowsAsync<InvalidAppendException>(() => append.WithinAsync(Patience, "an append"));
        }
        AssertChain(await Store.ReadStreamAsync(shared));
        await AssertStreamUnchangedAsync(contended, 0);
        var all = await Store.ReadAllAsync(start, 100);
        Assert.Equal(Enumerable.Range(1, 10 + 10).Select(p => start + p), all.Select(e => e.Position));
    }

    [Fact]
    public async Task Schema_is_versioned_and_keeps_data_as_text_and_times_as_timestamptz()
    {
        var stream = NewStreamId();
        var data = """{ "spaced" : "out",  "b": 1, "a": 2, "é": "\u00e9" }""";
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, new NewEvent(TestEventType, data, T0, "key"));
        await RestartAsync();

        await using var raw = await OpenRawConnectionAsync();
        Assert.Equal([1, 2], await ReadAsync(raw, $"SELECT version FROM \"{postgres.Schema}\".schema_migrations ORDER BY version", r => r.GetInt32(0)));
        var columns = await ReadAsync(raw,
            $"SELECT column_name || ':' || data_type FROM information_schema.columns WHERE table_schema = '{postgres.Schema}' AND table_name = 'events' AND column_name IN ('data', 'occurred_at')",
            r => r.GetString(0));
        Assert.Equal(["data:text", "occurred_at:timestamp with time zone"], columns.Order(StringComparer.Ordinal));
        var stored = await ReadAsync(raw,
            $"SELECT data, occurred_at, idempotency_key FROM \"{postgres.Schema}\".events WHERE stream_id = '{stream}'",
            r => (Data: r.GetString(0), OccurredAt: r.GetFieldValue<DateTimeOffset>(1), Key: r.GetString(2)));
        Assert.Equal((data, EventHash.Truncate(T0), "key"), Assert.Single(stored));
    }

    [Fact]
    public async Task Text_postgres_cannot_store_is_refused_up_front_and_nothing_is_written()
    {
        var stream = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();

        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync(stream, ExpectedVersion.Any, new NewEvent(TestEventType, "\"nul \0 inside\"", T0)));
        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync(stream, ExpectedVersion.Any, new NewEvent(TestEventType, "\"lone \ud800 surrogate\"", T0)));
        await Assert.ThrowsAsync<InvalidAppendException>(() => Store.AppendAsync(stream, ExpectedVersion.Any, Event(0, "key\0")));

        await AssertNothingWrittenSinceAsync(head, stream);
    }

    [Fact]
    public async Task Schema_from_a_newer_version_is_refused_with_a_clear_error()
    {
        var schema = postgres.NewSchema();
        await using (var store = await PostgresEventStore.CreateAsync(postgres.ConnectionString, schema))
        {
            await using var raw = await OpenRawConnectionAsync();
            await using var bump = new NpgsqlCommand($"INSERT INTO \"{schema}\".schema_migrations (version) VALUES (99)", raw);
            await bump.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<EventStoreUnavailableException>(() => PostgresEventStore.CreateAsync(postgres.ConnectionString, schema));

        Assert.Contains("99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_that_cannot_be_reached_is_reported_unavailable()
    {
        var nowhere = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Port = 1, Timeout = 5 }.ConnectionString;

        await Assert.ThrowsAsync<EventStoreUnavailableException>(() => PostgresEventStore.CreateAsync(nowhere, postgres.NewSchema()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper")]
    [InlineData("1starts_with_a_digit")]
    [InlineData("has-dash")]
    [InlineData("pg_reserved")]
    [InlineData("quote\"d")]
    [InlineData("a_name_that_is_far_too_long_for_a_notify_channel_x")]
    public async Task Unusable_schema_name_is_refused(string schema)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => PostgresEventStore.CreateAsync(postgres.ConnectionString, schema));
    }

    private static string UnindexableKey() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8192));

    private async Task<NpgsqlConnection> OpenRawConnectionAsync()
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<List<T>> ReadAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> map)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(map(reader));
        }
        return rows;
    }
}
