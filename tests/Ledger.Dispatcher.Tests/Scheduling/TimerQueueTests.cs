using System.Threading.Channels;
using Ledger.Dispatcher.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Dispatcher.Tests.Scheduling;

public sealed class TimerQueueTests
{
    [Fact]
    public async Task Keys_come_due_in_time_order_once_the_clock_reaches_them()
    {
        var time = new FakeTimeProvider(DispatcherHarness.T0);
        var timers = new TimerQueue(time);
        var due = Channel.CreateUnbounded<string>();
        using var stop = new CancellationTokenSource();
        var running = timers.RunAsync(k => due.Writer.TryWrite(k), stop.Token);

        timers.ScheduleAt("late", DispatcherHarness.T0.AddSeconds(10));
        timers.ScheduleAt("early", DispatcherHarness.T0.AddSeconds(5));
        timers.ScheduleAt("early", DispatcherHarness.T0.AddSeconds(5));

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("early", await due.Reader.ReadAsync(DispatcherHarness.Timeouts.Token()));
        Assert.Equal(1, timers.Count);
        Assert.False(due.Reader.TryRead(out _));

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("late", await due.Reader.ReadAsync(DispatcherHarness.Timeouts.Token()));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }
}
