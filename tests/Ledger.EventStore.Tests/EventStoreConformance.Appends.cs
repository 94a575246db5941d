namespace Ledger.EventStore.Tests;

public abstract partial class EventStoreConformance
{
    [Fact]
    public async Task Appended_stream_reads_back_in_order_with_versions_from_zero_and_increasing_positions()
    {
        var stream = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();
        NewEvent[] first = [Event(0, "key-0"), Event(1), Event(2, "key-2")];
        NewEvent[] second = [Event(3), Event(4)];

        var r1 = await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.NoStream, first));
        var r2 = await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.At(2), second));

        var events = await Store.ReadStreamAsync(stream);
        Assert.Equal([0L, 1, 2, 3, 4], events.Select(e => e.Version));
        Assert.All(events, e => Assert.Equal(stream, e.StreamId));
        Assert.True(events[0].Position > head);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Position < p.Second.Position), "positions increase with versions");
        var sent = first.Concat(second).ToArray();
        for (var i = 0; i < sent.Length; i++)
        {
            Assert.Equal(sent[i].Type, events[i].Type);
            Assert.Equal(sent[i].Data, events[i].Data);
            Assert.Equal(sent[i].IdempotencyKey, events[i].IdempotencyKey);
            Assert.Equal(EventHash.Truncate(sent[i].OccurredAt), events[i].OccurredAt);
            Assert.Equal(TimeSpan.Zero, events[i].OccurredAt.Offset);
        }

        var s1 = Assert.Single(r1.Streams);
        Assert.Equal((stream, 2L, events[0].Position, events[2].Position), (s1.StreamId, s1.LastVersion, s1.FirstPosition, s1.LastPosition));
        var s2 = Assert.Single(r2.Streams);
        Assert.Equal((stream, 4L, events[3].Position, events[4].Position), (s2.StreamId, s2.LastVersion, s2.FirstPosition, s2.LastPosition));
        Assert.Equal(events[4].Position, r2.LastPosition);
        Assert.Equal(4, await Store.ReadStreamVersionAsync(stream));
        Assert.Equal(events[4].Position, await Store.ReadHeadPositionAsync());
        foreach (var e in events)
        {
            Assert.Equal(e, await Store.ReadAtAsync(e.Position));
        }
    }

    [Fact]
    public async Task Hash_chain_continues_across_appends()
    {
        var stream = NewStreamId();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Event(0));
        await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.Any, Events(1, 3)));
        await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.At(3), Events(4, 2)));
        // Another stream in between must not enter this one's chain.
        await Store.AppendAsync(NewStreamId(), ExpectedVersion.Any, Event(99));
        await Store.AppendAsync(stream, ExpectedVersion.Any, Event(6));

        var events = await Store.ReadStreamAsync(stream);
        Assert.Equal(7, events.Count);
        AssertChain(events);
        Assert.Equal(EventHash.Compute("", stream, 0, TestEventType, events[0].OccurredAt, events[0].Data), events[0].Hash);
        Assert.All(events, e => Assert.Equal(2, e.HashVersion));
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(events[0].Data)));
        Assert.Equal(EventHash.ComputeFromDigest("", stream, 0, TestEventType, events[0].OccurredAt, digest), events[0].Hash);
        Assert.Equal(events.Count, events.Select(e => e.Hash).Distinct().Count());
    }

    [Fact]
    public async Task Reading_a_stream_from_a_version_returns_that_version_on_up_to_max_count()
    {
        var stream = NewStreamId();
        await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.NoStream, Events(0, 6)));

        Assert.Equal([2L, 3], (await Store.ReadStreamAsync(stream, fromVersion: 2, maxCount: 2)).Select(e => e.Version));
        Assert.Equal([4L, 5], (await Store.ReadStreamAsync(stream, fromVersion: 4)).Select(e => e.Version));
        Assert.Empty(await Store.ReadStreamAsync(stream, fromVersion: 6));
    }

    [Fact]
    public async Task Unknown_stream_has_version_minus_one_and_nothing_to_read()
    {
        var stream = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();

        Assert.Equal(-1, await Store.ReadStreamVersionAsync(stream));
        Assert.Empty(await Store.ReadStreamAsync(stream));
        Assert.Null(await Store.FindByIdempotencyKeyAsync(stream, "key"));
        Assert.Null(await Store.ReadAtAsync(head + 1));
        Assert.Empty(await Store.ReadAllAsync(head, 10));
    }

    [Fact]
    public async Task Event_data_is_stored_byte_for_byte()
    {
        var stream = NewStreamId();
        string[] data =
        [
            """{ "z" : 1,   "a":[ 1 ,2 ],"nested":{"b":null} }""",
            "{\"text\":\"h\u00e9llo \u4e16\u754c \U0001F600 e\u0301\",\"escaped\":\"\\u00e9\\n\\t\\\"\\u0000\\ud83d\\ude00\"}",
            """{"big":123456789012345678901234567890.1234567890e-5,"small":1E+2,"neg":-0.0}""",
            "  [1,2,3]\n",
            "\"just a string\"",
        ];

        await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.NoStream,
            [.. data.Select((d, i) => new NewEvent(TestEventType, d, T0.AddSeconds(i)))]));

        var events = await Store.ReadStreamAsync(stream);
        Assert.Equal(data, events.Select(e => e.Data));
        AssertChain(events);
    }

    [Fact]
    public async Task Occurred_at_is_kept_to_the_microsecond_in_utc()
    {
        var stream = NewStreamId();
        DateTimeOffset[] times =
        [
            T0,
            new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.FromHours(-8)).AddTicks(9_999_999),
            new DateTimeOffset(2024, 2, 29, 0, 0, 0, TimeSpan.Zero),
        ];

        await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.NoStream,
            [.. times.Select((t, i) => new NewEvent(TestEventType, "{}", t))]));

        var events = await Store.ReadStreamAsync(stream);
        Assert.Equal(times.Select(t => EventHash.Truncate(t).UtcTicks), events.Select(e => e.OccurredAt.UtcTicks));
        Assert.All(events, e => Assert.Equal(TimeSpan.Zero, e.OccurredAt.Offset));
        AssertChain(events);
    }

    [Fact]
    public async Task No_stream_expectation_accepts_a_new_stream_and_refuses_an_existing_one()
    {
        var stream = NewStreamId();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Event(0));

        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => Store.AppendAsync(stream, ExpectedVersion.NoStream, Event(1)));

        Assert.Equal(stream, conflict.StreamId);
        Assert.Equal(ExpectedVersion.NoStream, conflict.Expected);
        Assert.Equal(0, conflict.Actual);
        await AssertStreamUnchangedAsync(stream, 0);
    }

    [Fact]
    public async Task Any_expectation_appends_whatever_the_stream_version()
    {
        var stream = NewStreamId();

        var first = await Store.AppendAsync(stream, ExpectedVersion.Any, Event(0));
        var second = await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.Any, Events(1, 2)));

        Assert.Equal(0, first.Streams[0].LastVersion);
        Assert.Equal(2, second.Streams[0].LastVersion);
        Assert.Equal([0L, 1, 2], (await Store.ReadStreamAsync(stream)).Select(e => e.Version));
    }

    [Fact]
    public async Task At_expectation_needs_the_exact_last_version()
    {
        var stream = NewStreamId();
        var onNew = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => Store.AppendAsync(stream, ExpectedVersion.At(0), Event(0)));
        Assert.Equal(-1, onNew.Actual);
        await AssertNothingWrittenSinceAsync(await Store.ReadHeadPositionAsync(), stream);

        await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.NoStream, Events(0, 2)));
        var behind = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => Store.AppendAsync(stream, ExpectedVersion.At(0), Event(2)));
        Assert.Equal((stream, ExpectedVersion.At(0), 1L), (behind.StreamId, behind.Expected, behind.Actual));
        await AssertStreamUnchangedAsync(stream, 1);

        var result = await Store.AppendAsync(stream, ExpectedVersion.At(1), Event(2));
        Assert.Equal(2, result.Streams[0].LastVersion);
    }

    [Fact]
    public async Task Expected_version_ahead_of_the_stream_is_a_conflict_with_the_actual_version()
    {
        var stream = NewStreamId();
        await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.NoStream, Events(0, 3)));

        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(
            () => Store.AppendAsync(stream, ExpectedVersion.At(7), Event(3)));

        Assert.Equal(2, conflict.Actual);
        Assert.Equal(ExpectedVersion.At(7), conflict.Expected);
        await AssertStreamUnchangedAsync(stream, 2);
    }

    [Fact]
    public async Task Multi_stream_batch_commits_every_stream_together()
    {
        var head = await Store.ReadHeadPositionAsync();
        var (a, b, c) = (NewStreamId("a"), NewStreamId("b"), NewStreamId("c"));
        await Store.AppendAsync(b, ExpectedVersion.NoStream, Event(0));

        var result = await Store.AppendAsync(
        [
            new StreamAppend(a, ExpectedVersion.NoStream, Events(0, 2)),
            new StreamAppend(b, ExpectedVersion.At(0), Event(1)),
            new StreamAppend(c, ExpectedVersion.Any, Events(0, 3)),
        ]);

        Assert.Equal([a, b, c], result.Streams.Select(s => s.StreamId));
        Assert.Equal([1L, 1, 2], result.Streams.Select(s => s.LastVersion));
        var batch = await ReadAllAfterAsync(head);
        Assert.Equal(7, batch.Count);
        Assert.Equal(result.LastPosition, batch[^1].Position);
        foreach (var s in result.Streams)
        {
            var written = batch.Where(e => e.StreamId == s.StreamId && e.Position >= s.FirstPosition).ToList();
            Assert.Equal(s.FirstPosition, written[0].Position);
            Assert.Equal(s.LastPosition, written[^1].Position);
            Assert.Equal(s.LastVersion, written[^1].Version);
        }
        AssertChain(await Store.ReadStreamAsync(b));
    }

    [Fact]
    public async Task Multi_stream_batch_with_one_wrong_expected_version_writes_nothing_to_any_stream()
    {
        var (a, b, c) = (NewStreamId("a"), NewStreamId("b"), NewStreamId("c"));
        await Store.AppendAsync(b, ExpectedVersion.NoStream, Event(0));
        var head = await Store.ReadHeadPositionAsync();

        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => Store.AppendAsync(
        [
            new StreamAppend(a, ExpectedVersion.NoStream, Events(0, 2)),
            new StreamAppend(b, ExpectedVersion.At(5), Event(1)),
            new StreamAppend(c, ExpectedVersion.Any, Events(0, 3)),
        ]));

        Assert.Equal((b, 0L), (conflict.StreamId, conflict.Actual));
        await AssertNothingWrittenSinceAsync(head, a, c);
        await AssertStreamUnchangedAsync(b, 0);
    }

    [Fact]
    public async Task Multi_stream_batch_with_a_duplicate_idempotency_key_writes_nothing_to_any_stream()
    {
        var (a, b) = (NewStreamId("a"), NewStreamId("b"));
        await Store.AppendAsync(b, ExpectedVersion.NoStream, Event(0, "once"));
        var head = await Store.ReadHeadPositionAsync();

        var duplicate = await Assert.ThrowsAsync<DuplicateEventException>(() => Store.AppendAsync(
        [
            new StreamAppend(a, ExpectedVersion.NoStream, Event(0, "once")),
            new StreamAppend(b, ExpectedVersion.Any, Event(1, "other"), Event(2, "once")),
        ]));

        Assert.Equal((b, "once"), (duplicate.StreamId, duplicate.IdempotencyKey));
        await AssertNothingWrittenSinceAsync(head, a);
        await AssertStreamUnchangedAsync(b, 0);
        Assert.Null(await Store.FindByIdempotencyKeyAsync(b, "other"));
    }

    [Fact]
    public async Task Duplicate_idempotency_key_in_a_stream_is_refused_and_nothing_of_the_append_is_written()
    {
        var stream = NewStreamId();
        await Store.AppendAsync(stream, ExpectedVersion.NoStream, Event(0, "evt-1"));
        var head = await Store.ReadHeadPositionAsync();

        var duplicate = await Assert.ThrowsAsync<DuplicateEventException>(() => Store.AppendAsync(
            new StreamAppend(stream, ExpectedVersion.Any, Event(1, "evt-2"), Event(2), Event(3, "evt-1"))));

        Assert.Equal((stream, "evt-1"), (duplicate.StreamId, duplicate.IdempotencyKey));
        await AssertNothingWrittenSinceAsync(head);
        await AssertStreamUnchangedAsync(stream, 0);
        Assert.Null(await Store.FindByIdempotencyKeyAsync(stream, "evt-2"));
    }

    [Fact]
    public async Task Duplicate_idempotency_key_within_one_append_is_refused()
    {
        var stream = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();

        await Assert.ThrowsAsync<DuplicateEventException>(() => Store.AppendAsync(
            new StreamAppend(stream, ExpectedVersion.NoStream, Event(0, "same"), Event(1, "same"))));

        await AssertNothingWrittenSinceAsync(head, stream);
    }

    [Fact]
    public async Task Same_idempotency_key_in_different_streams_is_accepted()
    {
        var (a, b) = (NewStreamId("a"), NewStreamId("b"));

        await Store.AppendAsync(a, ExpectedVersion.NoStream, Event(0, "shared"));
        await Store.AppendAsync(b, ExpectedVersion.NoStream, Event(1, "shared"));

        Assert.Equal(a, (await Store.FindByIdempotencyKeyAsync(a, "shared"))?.StreamId);
        Assert.Equal(b, (await Store.FindByIdempotencyKeyAsync(b, "shared"))?.StreamId);
    }

    [Fact]
    public async Task Find_by_idempotency_key_returns_the_stored_event()
    {
        var stream = NewStreamId();
        await Store.AppendAsync(new StreamAppend(stream, ExpectedVersion.NoStream, Event(0), Event(1, "wanted"), Event(2, "other")));

        var found = await Store.FindByIdempotencyKeyAsync(stream, "wanted");

        Assert.NotNull(found);
        Assert.Equal((stream, 1L, "wanted"), (found.StreamId, found.Version, found.IdempotencyKey));
        Assert.Equal(found, await Store.ReadAtAsync(found.Position));
        Assert.Null(await Store.FindByIdempotencyKeyAsync(stream, "missing"));
        Assert.Null(await Store.FindByIdempotencyKeyAsync(NewStreamId(), "wanted"));
    }

    [Fact]
    public async Task Reopened_store_has_everything_and_continues_versions_and_hash_chain()
    {
        var start = await Store.ReadHeadPositionAsync();
        var (a, b) = (NewStreamId("a"), NewStreamId("b"));
        await Store.AppendAsync(new StreamAppend(a, ExpectedVersion.NoStream, Event(0, "a-0"), Event(1)));
        await Store.AppendAsync([new StreamAppend(a, ExpectedVersion.At(1), Event(2)), new StreamAppend(b, ExpectedVersion.NoStream, Event(0))]);
        var before = await ReadAllAfterAsync(start);
        var head = await Store.ReadHeadPositionAsync();

        await RestartAsync();

        Assert.Equal(head, await Store.ReadHeadPositionAsync());
        Assert.Equal(before, await ReadAllAfterAsync(start));
        Assert.Equal(2, await Store.ReadStreamVersionAsync(a));
        Assert.Equal(0, (await Store.FindByIdempotencyKeyAsync(a, "a-0"))?.Version);
        await Assert.ThrowsAsync<DuplicateEventException>(() => Store.AppendAsync(a, ExpectedVersion.Any, Event(9, "a-0")));
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => Store.AppendAsync(a, ExpectedVersion.At(1), Event(3)));

        var result = await Store.AppendAsync(a, ExpectedVersion.At(2), Event(3));

        Assert.Equal(3, result.Streams[0].LastVersion);
        Assert.True(result.LastPosition > head);
        var stream = await Store.ReadStreamAsync(a);
        Assert.Equal([0L, 1, 2, 3], stream.Select(e => e.Version));
        AssertChain(stream);
    }

    [Fact]
    public async Task Store_is_healthy_while_open()
    {
        Assert.True(await Store.IsHealthyAsync());
    }
}
