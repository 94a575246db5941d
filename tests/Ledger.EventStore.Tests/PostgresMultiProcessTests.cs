using Ledger.EventStore.Postgres;
using Ledger.TestSupport;
using Npgsql;

namespace Ledger.EventStore.Tests;

/// <summary>
/// Several stores on one schema, as several server processes share one database: commit order across their
/// transactions, expected versions across them, wake-ups by NOTIFY, and a listener that loses its connection.
/// </summary>
public sealed class PostgresMultiProcessTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task Late_committing_append_is_never_skipped_by_readers()
    {
        await using var held = await OpenAsync();
        await using var other = await OpenAsync();
        await using var reader = await OpenAsync();
        for (var i = 0; i < 3; i++)
        {
            await other.AppendAsync(Stream("early"), ExpectedVersion.NoStream, Event($"early {i}"));
        }
        var start = await reader.ReadHeadPositionAsync() - 3;
        using var stop = new CancellationTokenSource(Patience);
        var follower = FollowAsync(reader, start, expected: 3 + 1 + 5, stop.Token);

        // The held append gets the next position and then stays uncommitted.
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        held.BeforeCommit = async () =>
        {
            held.BeforeCommit = null;
            holding.SetResult();
            await release.Task;
        };
        var late = held.AppendAsync(Stream("late"), ExpectedVersion.NoStream, Event("late"));
        await holding.Task.WithinAsync(Patience, "the held append reaching its commit");

        // Later appends from another process. A store that numbered them before the held one commits would let
        // them commit now (and the follower would see the gap); this one makes them wait for the append lock.
        var later = Enumerable.Range(0, 5).Select(i => other.AppendAsync(Stream("later"), ExpectedVersion.NoStream, Event($"later {i}"))).ToList();
        await PollUntilAsync(
            async () => later.Any(t => t.IsCompleted) || await CountWaitingForAppendLockAsync() >= 1,
            "the later appends committing or waiting for the append lock");

        Assert.Equal(start + 3, await reader.ReadHeadPositionAsync());
        Assert.Equal(3, (await reader.ReadAllAsync(start, 100)).Count);
        Assert.Null(await reader.ReadAtAsync(start + 4));
        Assert.DoesNotContain(later, t => t.IsCompleted);
        Assert.False(follower.IsCompleted);

        release.SetResult();
        var lateResult = await late.WithinAsync(Patience, "the held append committing");
        await Task.WhenAll(later).WithinAsync(Patience, "the later appends committing");
        var seen = await follower.WithinAsync(Patience, "the follower seeing every event");

        Assert.Equal(start + 4, lateResult.LastPosition);
        Assert.Equal(Enumerable.Range(1, 9).Select(p => start + p), seen.Select(e => e.Position));
        Assert.StartsWith("late-", seen[3].StreamId, StringComparison.Ordinal);
        Assert.Equal(9, seen.Select(e => e.StreamId).Distinct().Count());
    }

    [Fact]
    public async Task Two_stores_appending_with_expected_versions_lose_and_repeat_no_version()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        const int writersPerStore = 4;
        const int appendsPerWriter = 20;
        var shared = Stream("shared");
        var start = await first.ReadHeadPositionAsync();

        async Task WriteAsync(IEventStore store, string writer)
        {
            var own = Stream(writer);
            for (var n = 0; n < appendsPerWriter; n++)
            {
                while (true)
                {
                    var version = await store.ReadStreamVersionAsync(shared);
                    var expected = version < 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(version);
                    try
                    {
                        var result = await store.AppendAsync(
                            [new StreamAppend(shared, expected, Event($"{writer} {n}")), new StreamAppend(own, ExpectedVersion.Any, Event($"{writer} {n}"))]);
                        Assert.Equal(version + 1, result.Streams[0].LastVersion);
                        break;
                    }
                    catch (WrongExpectedVersionException conflict)
                    {
                        Assert.True(conflict.Actual > version, $"a conflict reports the newer version, not {conflict.Actual} after {version}");
                    }
                }
            }
        }

        await Task.WhenAll(
                Enumerable.Range(0, writersPerStore).Select(w => WriteAsync(first, $"a{w}"))
                    .Concat(Enumerable.Range(0, writersPerStore).Select(w => WriteAsync(second, $"b{w}"))))
            .WithinAsync(TimeSpan.FromSeconds(60), "the writers of both stores finishing");

        var total = 2 * writersPerStore * appendsPerWriter;
        var events = await first.ReadStreamAsync(shared);
        Assert.Equal(Enumerable.Range(0, total).Select(v => (long)v), events.Select(e => e.Version));
        Assert.Equal(total, events.Select(e => e.Data).Distinct().Count());
        Assert.True(EventHash.VerifyChain(events, out var problem), problem);
        Assert.Equal(events.Select(e => e.Position).Order(), events.Select(e => e.Position));
        Assert.Equal(total - 1, await second.ReadStreamVersionAsync(shared));
        var all = await second.ReadAllAsync(start, 10 * total);
        Assert.Equal(Enumerable.Range(1, 2 * total).Select(p => start + p), all.Select(e => e.Position));
    }

    [Fact]
    public async Task Appends_written_in_one_round_trip_still_see_what_another_store_wrote()
    {
        await using var first = await OpenAsync();
        await using var second = await OpenAsync();
        var stream = Stream("turns");
        var elsewhere = Stream("elsewhere");
        var start = await first.ReadHeadPositionAsync();
        await second.AppendAsync(elsewhere, ExpectedVersion.NoStream, Event("made by the second store"));

        var head = (await first.AppendAsync(stream, ExpectedVersion.NoStream, Event("first 0"))).LastPosition;
        var oneRoundTrip = first.OneRoundTripGroups;
        // Only the notification sent with the one-round-trip commit can end this wait.
        second.FallbackPollInterval = Timeout.InfiniteTimeSpan;
        using var timeout = new CancellationTokenSource(Patience);
        var woken = second.WaitForEventsAsync(head, timeout.Token);
        await PollUntilAsync(() => Task.FromResult(second.ParkedWaiters == 1), "the wait parking on notifications");
        await first.AppendAsync(stream, ExpectedVersion.At(0), Event("first 1") with { IdempotencyKey = "key" });
        Assert.Equal(oneRoundTrip + 1, first.OneRoundTripGroups);
        await woken.WithinAsync(Patience, "the other store waking");

        // Decided from what the first store knows, refused by PostgreSQL: a key already there, a stream it never saw.
        await Assert.ThrowsAsync<DuplicateEventException>(() => first.AppendAsync(stream, ExpectedVersion.Any, Event("again") with { IdempotencyKey = "key" }));
        var unseen = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => first.AppendAsync(elsewhere, ExpectedVersion.NoStream, Event("taken for new")));
        Assert.Equal(0, unseen.Actual);

        // The second store moves the stream on behind the first one's back.
        await second.AppendAsync(stream, ExpectedVersion.At(1), Event("second 2"));
        var stale = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => first.AppendAsync(stream, ExpectedVersion.At(1), Event("stale")));
        Assert.Equal(2, stale.Actual);
        Assert.Equal(3, (await first.AppendAsync(stream, ExpectedVersion.At(2), Event("first 3"))).Streams[0].LastVersion);

        var events = await second.ReadStreamAsync(stream);
        Assert.Equal(
            [Event("first 0").Data, Event("first 1").Data, Event("second 2").Data, Event("first 3").Data],
            events.Select(e => e.Data));
        Assert.True(EventHash.VerifyChain(events, out var problem), problem);
        var all = await second.ReadAllAsync(start, 100);
        Assert.Equal(Enumerable.Range(1, 5).Select(p => start + p), all.Select(e => e.Position));
    }

    [Fact]
    public async Task Wait_on_one_store_wakes_for_a_commit_made_by_another()
    {
        await using var waiting = await OpenAsync();
        await using var writing = await OpenAsync();
        // With no polling at all, only the notification can end the wait.
        waiting.FallbackPollInterval = Timeout.InfiniteTimeSpan;
        Assert.True(waiting.IsListening);
        var head = await waiting.ReadHeadPositionAsync();
        using var timeout = new CancellationTokenSource(Patience);
        var wait = waiting.WaitForEventsAsync(head, timeout.Token);
        await PollUntilAsync(() => Task.FromResult(waiting.ParkedWaiters == 1), "the wait parking on notifications");

        var appended = await writing.AppendAsync(Stream("elsewhere"), ExpectedVersion.Any, Event("elsewhere"));

        await wait.WithinAsync(Patience, "the wait waking");
        Assert.Equal(appended.LastPosition, (await waiting.ReadAllAsync(head, 10)).Single().Position);
    }

    [Fact]
    public async Task Wait_still_wakes_after_the_listening_connection_is_killed()
    {
        await using var waiting = await OpenAsync();
        await using var writing = await OpenAsync();
        var head = await waiting.ReadHeadPositionAsync();
        var listener = waiting.ListenerProcessId;

        await TerminateAsync(listener);
        // Committed while the listener is down or reconnecting: the fallback poll or the reconnect's catch-up finds it.
        await writing.AppendAsync(Stream("while-down"), ExpectedVersion.Any, Event("while down"));
        using var timeout = new CancellationTokenSource(Patience);
        await waiting.WaitForEventsAsync(head, timeout.Token);

        // And notifications flow again on a new connection.
        await PollUntilAsync(() => Task.FromResult(waiting.IsListening && waiting.ListenerProcessId != listener), "the listener reconnecting");
        waiting.FallbackPollInterval = Timeout.InfiniteTimeSpan;
        var after = await waiting.ReadHeadPositionAsync();
        var wait = waiting.WaitForEventsAsync(after, timeout.Token);
        await PollUntilAsync(() => Task.FromResult(waiting.ParkedWaiters == 1), "the wait parking on notifications");
        await writing.AppendAsync(Stream("after-reconnect"), ExpectedVersion.Any, Event("after reconnect"));
        await wait.WithinAsync(Patience, "the wait waking");
    }

    [Fact]
    public async Task Stores_starting_together_on_a_new_schema_migrate_it_once()
    {
        var schema = postgres.NewSchema();

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresEventStore.CreateAsync(postgres.ConnectionString, schema)));

        try
        {
            await stores[0].AppendAsync(Stream("first"), ExpectedVersion.NoStream, Event("first"));
            Assert.Equal(1, await stores[3].ReadHeadPositionAsync());
            await using var connection = await OpenRawConnectionAsync();
            await using var versions = new NpgsqlCommand($"SELECT count(*), count(DISTINCT version), min(version) FROM \"{schema}\".schema_migrations", connection);
            await using var row = await versions.ExecuteReaderAsync();
            Assert.True(await row.ReadAsync());
            Assert.Equal((2L, 2L, 1), (row.GetInt64(0), row.GetInt64(1), row.GetInt32(2)));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    private Task<PostgresEventStore> OpenAsync() => PostgresEventStore.CreateAsync(postgres.ConnectionString, postgres.Schema);

    /// <summary>Reads everything after <paramref name="start"/> as a projection would, failing on any gap, until it has seen <paramref name="expected"/> events.</summary>
    private static async Task<List<StoredEvent>> FollowAsync(IEventStore store, long start, int expected, CancellationToken cancellationToken)
    {
        var seen = new List<StoredEvent>();
        var last = start;
        while (seen.Count < expected)
        {
            foreach (var e in await store.ReadAllAsync(last, 100, cancellationToken))
            {
                Assert.Equal(last + 1, e.Position);
                seen.Add(e);
                last = e.Position;
            }
            if (seen.Count < expected)
            {
                await store.WaitForEventsAsync(last, cancellationToken);
            }
        }
        return seen;
    }

    /// <summary>Sessions blocked on this schema's append lock, as PostgreSQL reports them.</summary>
    private async Task<long> CountWaitingForAppendLockAsync()
    {
        await using var connection = await OpenRawConnectionAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted AND ((classid::bigint << 32) | objid::bigint) = $1
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = new PostgresSchema(postgres.Schema).AppendLockKey });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task TerminateAsync(int processId)
    {
        await using var connection = await OpenRawConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT pg_terminate_backend($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = processId });
        Assert.True((bool)(await command.ExecuteScalarAsync())!);
    }

    private async Task<NpgsqlConnection> OpenRawConnectionAsync()
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>
    /// For states that raise no signal (a session waiting on a lock in the server, a wait parked inside the
    /// store): re-checked every few milliseconds, bounded by <see cref="Patience"/>.
    /// </summary>
    private static Task PollUntilAsync(Func<Task<bool>> condition, string what) =>
        Signals.WaitUntilAsync(condition, cancellationToken => Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken), Patience, what);

    private static string Stream(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static NewEvent Event(string text) => new("test.happened.v1", $$"""{"text":"{{text}}"}""", At);
}
