using System.Collections.Concurrent;
using Ledger.TestSupport;

namespace Ledger.EventStore.Tests;

public abstract partial class EventStoreConformance
{
    [Fact]
    public async Task Waiting_readers_are_woken_by_a_commit()
    {
        var head = await Store.ReadHeadPositionAsync();
        using var stop = new CancellationTokenSource();
        var waiters = Enumerable.Range(0, 3).Select(_ => Store.WaitForEventsAsync(head, stop.Token)).ToArray();
        Assert.All(waiters, w => Assert.False(w.IsCompleted, "a wait ended before anything was committed"));

        var result = await Store.AppendAsync(NewStreamId(), ExpectedVersion.NoStream, Event(0));

        await Task.WhenAll(waiters).WithinAsync(Patience, "the waiting readers waking");
        Assert.Equal(result.LastPosition, (await Store.ReadAllAsync(head, 10)).Single().Position);
    }

    [Fact]
    public async Task Wait_returns_at_once_when_an_event_is_already_past_the_position()
    {
        var head = await Store.ReadHeadPositionAsync();
        await Store.AppendAsync(NewStreamId(), ExpectedVersion.NoStream, Event(0));

        await Store.WaitForEventsAsync(head, CancellationToken.None).WithinAsync(Patience, "the wait returning");
    }

    [Fact]
    public async Task Wait_ends_when_its_token_is_cancelled()
    {
        var head = await Store.ReadHeadPositionAsync();
        using var cancel = new CancellationTokenSource();
        var waiting = Store.WaitForEventsAsync(head, cancel.Token);
        Assert.False(waiting.IsCompleted);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
    }

    [Fact]
    public async Task Condition_re_checked_on_each_commit_is_seen_to_hold()
    {
        var stream = NewStreamId();

        var waiting = Store.WaitUntilAsync(async () => await Store.ReadStreamVersionAsync(stream) == 2, Patience, "the stream reaching version 2");
        var appending = Task.Run(async () =>
        {
            for (var n = 0; n < 3; n++)
            {
                await Store.AppendAsync(stream, ExpectedVersion.Any, Event(n));
            }
        });

        await Task.WhenAll(waiting, appending);
        Assert.Equal(2, await Store.ReadStreamVersionAsync(stream));
    }

    [Fact]
    public async Task Follower_waiting_on_commits_sees_every_event_once_in_commit_order()
    {
        const int writers = 4;
        const int perWriter = 20;
        var start = await Store.ReadHeadPositionAsync();
        var seen = new ConcurrentQueue<StoredEvent>();
        using var stop = new CancellationTokenSource(ScenarioPatience);

        var follower = Task.Run(async () =>
        {
            var position = start;
            while (seen.Count < writers * perWriter)
            {
                var page = await Store.ReadAllAsync(position, 16, stop.Token);
                if (page.Count == 0)
                {
                    await Store.WaitForEventsAsync(position, stop.Token);
                    continue;
                }
                foreach (var e in page)
                {
                    seen.Enqueue(e);
                }
                position = page[^1].Position;
            }
        });
        var appenders = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var stream = NewStreamId($"writer{w}");
            for (var i = 0; i < perWriter; i++)
            {
                await Store.AppendAsync(stream, ExpectedVersion.Any, Event(i));
            }
        })).ToArray();
        await Task.WhenAll(appenders).WithinAsync(ScenarioPatience, "the appenders finishing");
        await follower.WithinAsync(ScenarioPatience, "the follower catching up");

        Assert.Equal(await ReadAllAfterAsync(start), seen.ToList());
    }

    [Fact]
    public async Task Dispose_commits_the_appends_already_queued_then_refuses_new_ones()
    {
        var stream = NewStreamId();
        var appends = Enumerable.Range(0, 50).Select(n => Store.AppendAsync(stream, ExpectedVersion.Any, Event(n))).ToList();
        var store = Store;

        await store.DisposeAsync();

        Assert.All(appends, a => Assert.True(a.IsCompletedSuccessfully, "a queued append was committed before dispose returned"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.AppendAsync(stream, ExpectedVersion.Any, Event(50)));
        Assert.False(await store.IsHealthyAsync());
        await RestartAsync();
        Assert.Equal(49, await Store.ReadStreamVersionAsync(stream));
        AssertChain(await Store.ReadStreamAsync(stream));
    }

    [Fact]
    public async Task Waiting_reader_is_released_with_an_error_when_the_store_is_disposed()
    {
        var store = Store;
        var waiting = store.WaitForEventsAsync(await store.ReadHeadPositionAsync(), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WithinAsync(Patience, "the wait ending"));
    }
}
