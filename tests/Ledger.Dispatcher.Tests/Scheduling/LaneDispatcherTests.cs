using Ledger.Dispatcher.Scheduling;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Dispatcher.Tests.Scheduling;

/// <summary>The dispatcher on a real ledger with a fake clock: order, retries, bucket loss and conflicts.</summary>
public sealed class LaneDispatcherTests
{
    private static readonly DateTimeOffset T0 = DispatcherHarness.T0;

    [Fact]
    public async Task A_fifo_lane_sends_the_next_delivery_only_once_its_head_has_settled()
    {
        await using var h = new DispatcherHarness();
        var first = await h.EnqueueAsync("k");
        await h.EnqueueAsync("k");
        await h.EnqueueAsync("k");

        var call = await h.Sender.NextAsync();
        Assert.Equal(1, call.EventNumber);
        call.Fail(h.Time.GetUtcNow());
        await h.NextRecordedAsync();
        h.Time.Advance(TimeSpan.FromSeconds(h.RetrySchedule[0]));

        var sent = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            call = await h.Sender.NextAsync();
            Assert.False(h.Sender.HasWaiting);
            sent.Add(call.EventNumber);
            call.Ok(h.Time.GetUtcNow());
            await h.NextRecordedAsync();
        }

        Assert.Equal([1, 2, 3], sent);
        var attempts = (await h.LaneAsync("k")).Where(e => e is AttemptSucceeded or AttemptFailed).ToList();
        Assert.Equal(4, attempts.Count);
        Assert.Equal(first, Assert.IsType<AttemptFailed>(attempts[0]).DeliveryId);
        Assert.Equal((first, 2), (Assert.IsType<AttemptSucceeded>(attempts[1]).DeliveryId, ((AttemptSucceeded)attempts[1]).AttemptNumber));
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_at_its_scheduled_time_and_not_before()
    {
        await using var h = new DispatcherHarness();
        var first = await h.EnqueueAsync("a");
        var call = await h.Sender.NextAsync();
        call.Fail(h.Time.GetUtcNow());
        await h.NextRecordedAsync();
        var failed = Assert.Single((await h.LaneAsync("a")).OfType<AttemptFailed>());
        Assert.Equal(T0.AddSeconds(h.RetrySchedule[0]), failed.NextAttemptAt);

        // One second early: another lane's new delivery goes out, the retry does not.
        h.Time.Advance(TimeSpan.FromSeconds(h.RetrySchedule[0] - 1));
        await h.EnqueueAsync("b");
        call = await h.Sender.NextAsync();
        Assert.Equal(2, call.EventNumber);
        call.Ok(h.Time.GetUtcNow());
        await h.NextRecordedAsync();
        Assert.False(h.Sender.HasWaiting);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        call = await h.Sender.NextAsync();
        Assert.Equal(1, call.EventNumber);
        call.Ok(h.Time.GetUtcNow());
        await h.NextRecordedAsync();
        var succeeded = Assert.Single((await h.LaneAsync("a")).OfType<AttemptSucceeded>());
        Assert.Equal((first, 2), (succeeded.DeliveryId, succeeded.AttemptNumber));
    }

    [Fact]
    public async Task Losing_the_bucket_cancels_the_send_in_flight_and_regaining_it_sends_the_delivery_again()
    {
        await using var h = new DispatcherHarness();
        var delivery = await h.EnqueueAsync("k");
        var call = await h.Sender.NextAsync();

        h.Leases.Lose(0);
        await Task.Delay(Timeout.Infinite, call.Cancelled).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(DispatcherHarness.Timeouts.Token());
        Assert.Equal(0, h.Dispatcher.OwnedBuckets);
        Assert.DoesNotContain(await h.LaneAsync("k"), e => e is AttemptSucceeded or AttemptFailed);

        h.Leases.Acquire(0);
        call = await h.Sender.NextAsync();
        Assert.Equal(1, call.EventNumber);
        call.Ok(h.Time.GetUtcNow());
        await h.NextRecordedAsync();
        var succeeded = Assert.Single((await h.LaneAsync("k")).OfType<AttemptSucceeded>());
        Assert.Equal((delivery, 1), (succeeded.DeliveryId, succeeded.AttemptNumber));
    }

    [Fact]
    public async Task Losing_the_bucket_with_attempts_waiting_for_a_slot_gives_every_slot_back()
    {
        await using var h = new DispatcherHarness();
        var keys = Enumerable.Range(1, DispatcherHarness.MaxConcurrency + 2).Select(i => $"k{i}").ToList();
        foreach (var key in keys)
        {
            await h.EnqueueAsync(key);
        }
        var held = new List<ScriptedSender.Call>();
        for (var i = 0; i < DispatcherHarness.MaxConcurrency; i++)
        {
            held.Add(await h.Sender.NextAsync());
        }

        h.Leases.Lose(0);
        foreach (var call in held)
        {
            await Task.Delay(Timeout.Infinite, call.Cancelled).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(DispatcherHarness.Timeouts.Token());
        }
        h.Leases.Acquire(0);

        // Every slot is free again: as many sends at once as the limit allows, none answered yet.
        var again = new List<ScriptedSender.Call>();
        for (var i = 0; i < DispatcherHarness.MaxConcurrency; i++)
        {
            again.Add(await h.Sender.NextAsync());
        }
        Assert.All(again, call => Assert.False(call.Cancelled.IsCancellationRequested));
        foreach (var call in again)
        {
            call.Ok(h.Time.GetUtcNow());
        }
    }

    [Fact]
    public async Task An_append_that_loses_a_race_reloads_the_lane_and_records_on_the_new_state()
    {
        InterposingStore? store = null;
        await using var h = new DispatcherHarness(wrapStore: inner => store = new InterposingStore(inner));
        var first = await h.EnqueueAsync("k");
        // Another writer enqueues on the same lane between the dispatcher's decision and its append.
        store!.BeforeNextLaneAppend = () => h.EnqueueAsync("k");

        var call = await h.Sender.NextAsync();
        call.Ok(h.Time.GetUtcNow());
        await h.NextRecordedAsync();

        Assert.Equal(1, store.Conflicts);
        var lane = await h.LaneAsync("k");
        Assert.Equal(["DeliveryEnqueued", "DeliveryEnqueued", "AttemptSucceeded", "DeliveryCompleted"], lane.Select(e => e.GetType().Name));
        Assert.Equal(first, Assert.IsType<AttemptSucceeded>(lane[2]).DeliveryId);

        call = await h.Sender.NextAsync();
        Assert.Equal(2, call.EventNumber);
        call.Ok(h.Time.GetUtcNow());
        await h.NextRecordedAsync();
    }

    [Fact]
    public async Task A_delivery_is_sent_from_the_event_the_follower_passed_without_reading_it_again()
    {
        InterposingStore? store = null;
        await using var h = new DispatcherHarness(wrapStore: inner => store = new InterposingStore(inner));
        await h.EnqueueAsync("k");

        var call = await h.Sender.NextAsync();

        Assert.Equal(1, call.EventNumber);
        Assert.Equal(0, store!.ReadsAt);
        call.Ok(h.Time.GetUtcNow());
        await h.NextRecordedAsync();
    }

    /// <summary>A real store with another writer slipped in before one of the dispatcher's lane appends.</summary>
    private sealed class InterposingStore(IEventStore inner) : ForwardingEventStore(inner)
    {
        private int _readsAt;

        public Func<Task>? BeforeNextLaneAppend { get; set; }

        public int Conflicts { get; private set; }

        public int ReadsAt => Volatile.Read(ref _readsAt);

        public override async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken cancellationToken = default)
        {
            if (BeforeNextLaneAppend is { } before && batch.Any(a => a.StreamId.StartsWith(Streams.DeliveryPrefix, StringComparison.Ordinal)))
            {
                BeforeNextLaneAppend = null;
                await before();
            }
            try
            {
                return await base.AppendAsync(batch, cancellationToken);
            }
            catch (WrongExpectedVersionException)
            {
                Conflicts++;
                throw;
            }
        }

        public override Task<StoredEvent?> ReadAtAsync(long position, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _readsAt);
            return base.ReadAtAsync(position, cancellationToken);
        }

        /// <summary>The test owns the store under it.</summary>
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
