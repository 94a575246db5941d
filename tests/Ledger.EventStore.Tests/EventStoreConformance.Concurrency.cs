using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Ledger.TestSupport;

namespace Ledger.EventStore.Tests;

public abstract partial class EventStoreConformance
{
    /// <summary>Bounds a whole concurrent scenario, so a deadlock fails the test instead of hanging the run.</summary>
    private static readonly TimeSpan ScenarioPatience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Concurrent_appenders_with_expected_versions_never_lose_or_duplicate_a_version()
    {
        const int writers = 8;
        const int perWriter = 25;
        var stream = NewStreamId();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var conflicts = 0;

        var tasks = Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            await go.Task;
            for (var i = 0; i < perWriter; i++)
            {
                var data = string.Create(CultureInfo.InvariantCulture, $$"""{"writer":{{writer}},"i":{{i}}}""");
                while (true)
                {
                    var version = await Store.ReadStreamVersionAsync(stream);
                    var expected = version < 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(version);
                    try
                    {
                        var result = await Store.AppendAsync(stream, expected, new NewEvent(TestEventType, data, T0));
                        Assert.Equal(version + 1, result.Streams[0].LastVersion);
                        break;
                    }
                    catch (WrongExpectedVersionException conflict)
                    {
                        Assert.Equal(stream, conflict.StreamId);
                        Assert.Equal(expected, conflict.Expected);
                        Assert.True(conflict.Actual > version, $"a conflict reports the newer version, not {conflict.Actual} after {version}");
                        Interlocked.Increment(ref conflicts);
                    }
                }
            }
        })).ToArray();
        go.SetResult();
        await Task.WhenAll(tasks).WithinAsync(ScenarioPatience, "the concurrent appenders finishing");

        var events = await Store.ReadStreamAsync(stream);
        Assert.Equal(Enumerable.Range(0, writers * perWriter).Select(v => (long)v), events.Select(e => e.Version));
        var appended = events.Select(e =>
        {
            using var json = JsonDocument.Parse(e.Data);
            return (Writer: json.RootElement.GetProperty("writer").GetInt32(), I: json.RootElement.GetProperty("i").GetInt32());
        }).ToList();
        Assert.Equal(writers * perWriter, appended.Distinct().Count());
        foreach (var writer in appended.GroupBy(a => a.Writer))
        {
            Assert.Equal(Enumerable.Range(0, perWriter), writer.Select(a => a.I));
        }
        AssertChain(events);
    }

    [Fact]
    public async Task Concurrent_appends_commit_independently_when_some_of_them_conflict()
    {
        var contended = NewStreamId("contended");
        var keyed = NewStreamId("keyed");
        await Store.AppendAsync(contended, ExpectedVersion.NoStream, Event(0));
        await Store.AppendAsync(keyed, ExpectedVersion.NoStream, Event(0, "dup"));
        var head = await Store.ReadHeadPositionAsync();
        var fresh = new List<(string Stream, int N, Task<AppendResult> Append)>();
        var conflicting = new List<Task<AppendResult>>();
        var duplicates = new List<Task<AppendResult>>();
        var untouched = new List<string>();

        // Issued back to back, so a store that groups commits gets them together.
        for (var n = 1; n <= 80; n++)
        {
            switch (n % 4)
            {
                case 0:
                    var stream = NewStreamId("fresh");
                    fresh.Add((stream, n, Store.AppendAsync(stream, ExpectedVersion.NoStream, Event(n, "k"))));
                    break;
                case 1:
                    conflicting.Add(Store.AppendAsync(contended, ExpectedVersion.NoStream, Event(n)));
                    break;
                case 2:
                    duplicates.Add(Store.AppendAsync(keyed, ExpectedVersion.Any, Event(n, "dup")));
                    break;
                default:
                    var bystander = NewStreamId("bystander");
                    untouched.Add(bystander);
                    conflicting.Add(Store.AppendAsync(
                        [new StreamAppend(bystander, ExpectedVersion.NoStream, Event(n)), new StreamAppend(contended, ExpectedVersion.At(3), Event(n))]));
                    break;
            }
        }

        foreach (var (stream, n, append) in fresh)
        {
            var result = await append.WithinAsync(ScenarioPatience, "an append");
            Assert.Equal((stream, 0L), (result.Streams[0].StreamId, result.Streams[0].LastVersion));
            var stored = Assert.Single(await Store.ReadStreamAsync(stream));
            Assert.Equal(Event(n).Data, stored.Data);
        }
        foreach (var append in conflicting)
        {
            var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => append.WithinAsync(ScenarioPatience, "an append"));
            Assert.Equal((contended, 0L), (conflict.StreamId, conflict.Actual));
        }
        foreach (var append in duplicates)
        {
            var duplicate = await Assert.ThrowsAsync<DuplicateEventException>(() => append.WithinAsync(ScenarioPatience, "an append"));
            Assert.Equal((keyed, "dup"), (duplicate.StreamId, duplicate.IdempotencyKey));
        }
        await AssertStreamUnchangedAsync(contended, 0);
        await AssertStreamUnchangedAsync(keyed, 0);
        foreach (var stream in untouched)
        {
            Assert.Equal(-1, await Store.ReadStreamVersionAsync(stream));
        }
        var written = await ReadAllAfterAsync(head);
        Assert.Equal(fresh.Select(f => f.Stream).Order(StringComparer.Ordinal), written.Select(e => e.StreamId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Concurrent_appends_with_the_same_idempotency_key_write_it_exactly_once()
    {
        var stream = NewStreamId();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var appends = Enumerable.Range(0, 10).Select(n => Task.Run(async () =>
        {
            await go.Task;
            return await Store.AppendAsync(stream, ExpectedVersion.Any, Event(n, "only-once"));
        })).ToArray();
        go.SetResult();
        await Task.WhenAll(appends.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default))).WithinAsync(ScenarioPatience, "the appends finishing");

        var winner = Assert.Single(appends, a => a.IsCompletedSuccessfully);
        Assert.All(appends.Where(a => a != winner), a => Assert.IsType<DuplicateEventException>(a.Exception?.InnerException));
        var stored = Assert.Single(await Store.ReadStreamAsync(stream));
        Assert.Equal(stored.Position, (await winner).LastPosition);
        Assert.Equal(stored, await Store.FindByIdempotencyKeyAsync(stream, "only-once"));
    }

    [Fact]
    public async Task Read_all_follows_commit_order_under_concurrent_appends()
    {
        const int workers = 6;
        const int appendsPerWorker = 15;
        var start = await Store.ReadHeadPositionAsync();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long clock = 0;
        var appends = new ConcurrentBag<(long Started, long Finished, AppendResult Result, int Events)>();

        var tasks = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            await go.Task;
            var own = NewStreamId($"worker{worker}");
            for (var i = 0; i < appendsPerWorker; i++)
            {
                StreamAppend[] batch = i % 3 == 2
                    ? [new StreamAppend(own, ExpectedVersion.Any, Events(i * 10, 1)), new StreamAppend(NewStreamId("side"), ExpectedVersion.NoStream, Events((i * 10) + 1, 2))]
                    : [new StreamAppend(own, ExpectedVersion.Any, Events(i * 10, 1 + (i % 3)))];
                var started = Interlocked.Increment(ref clock);
                var result = await Store.AppendAsync(batch);
                var finished = Interlocked.Increment(ref clock);
                appends.Add((started, finished, result, batch.Sum(a => a.Events.Count)));
            }
        })).ToArray();
        go.SetResult();
        await Task.WhenAll(tasks).WithinAsync(ScenarioPatience, "the concurrent appenders finishing");

        var all = await ReadAllAfterAsync(start, pageSize: 7);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Position < p.Second.Position), "read-all positions strictly increase");
        Assert.Equal(appends.Sum(a => a.Events), all.Count);
        var spans = appends
            .Select(a => (a.Started, a.Finished, a.Result, a.Events, First: a.Result.Streams.Min(s => s.FirstPosition), Last: a.Result.Streams.Max(s => s.LastPosition)))
            .OrderBy(a => a.First)
            .ToList();
        foreach (var append in spans)
        {
            // Each append's events sit together in the global order, with nothing of any other append among them.
            var inSpan = all.Where(e => e.Position >= append.First && e.Position <= append.Last).ToList();
            Assert.Equal(append.Events, inSpan.Count);
            foreach (var s in append.Result.Streams)
            {
                var ofStream = inSpan.Where(e => e.StreamId == s.StreamId).ToList();
                Assert.NotEmpty(ofStream);
                Assert.Equal((s.FirstPosition, s.LastPosition, s.LastVersion), (ofStream[0].Position, ofStream[^1].Position, ofStream[^1].Version));
            }
            Assert.All(inSpan, e => Assert.Contains(e.StreamId, append.Result.Streams.Select(s => s.StreamId)));
        }
        Assert.True(spans.Zip(spans.Skip(1)).All(p => p.First.Last < p.Second.First), "appends never overlap in the global order");
        foreach (var earlier in spans)
        {
            foreach (var later in spans.Where(a => a.Started > earlier.Finished))
            {
                Assert.True(earlier.Last < later.First, "an append that started after another was acknowledged comes after it");
            }
        }
    }

    [Fact]
    public async Task Read_all_pages_by_position()
    {
        var start = await Store.ReadHeadPositionAsync();
        for (var i = 0; i < 5; i++)
        {
            await Store.AppendAsync(new StreamAppend(NewStreamId(), ExpectedVersion.NoStream, Events(i * 2, 2)));
        }

        var all = await Store.ReadAllAsync(start, 100);
        var paged = new List<StoredEvent>();
        var after = start;
        while (await Store.ReadAllAsync(after, 3) is { Count: > 0 } page)
        {
            Assert.True(page.Count <= 3);
            paged.AddRange(page);
            after = page[^1].Position;
        }

        Assert.Equal(10, all.Count);
        Assert.Equal(all, paged);
        Assert.Equal(all.Skip(5).Take(2), await Store.ReadAllAsync(all[4].Position, 2));
        Assert.Empty(await Store.ReadAllAsync(all[^1].Position, 10));
        Assert.Equal(all[^1].Position, await Store.ReadHeadPositionAsync());
    }

    [Fact]
    public async Task Append_with_a_cancelled_token_writes_nothing()
    {
        var stream = NewStreamId();
        var head = await Store.ReadHeadPositionAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store.AppendAsync(stream, ExpectedVersion.NoStream, Event(0), cancelled.Token));

        await AssertNothingWrittenSinceAsync(head, stream);
    }
}
