using Ledger.Domain;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Domain.Tests;

public class DeliveryPauseTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 2, 12, 0, 0, TimeSpan.Zero));

    private LaneState Lane(int? maxAge = null) => new ILedgerEvent[]
    {
        new DeliveryEnqueued("dlv_a", "evt_a", "wh_1", "default", "t", 1, Ordering.Fifo, [5, 10], maxAge, _clock.GetUtcNow()),
        new DeliveryEnqueued("dlv_b", "evt_b", "wh_1", "default", "t", 2, Ordering.Fifo, [5, 10], maxAge, _clock.GetUtcNow()),
    }.Aggregate(LaneState.Empty, DeliveryLane.Evolve);

    [Fact]
    public void A_pause_keeps_status_attempts_and_the_head_due_for_when_the_breaker_lets_it_go_and_is_recorded_once_per_opening()
    {
        var lane = Lane();
        var openedAt = _clock.GetUtcNow();
        var probeAt = openedAt.AddSeconds(30);

        var paused = Assert.IsType<DeliveryPaused>(Assert.Single(DeliveryLane.Pause(lane, "dlv_a", openedAt, probeAt, openedAt)));
        lane = DeliveryLane.Evolve(lane, paused);

        Assert.Equal(FailureCodes.CircuitOpen, paused.Reason);
        var head = lane.Deliveries["dlv_a"];
        Assert.Equal(DeliveryStatus.Pending, head.Status);
        Assert.Equal(0, head.Attempts);
        Assert.Equal(openedAt, head.PausedFor);
        Assert.Equal(["dlv_a"], DeliveryLane.Due(lane, openedAt).Select(d => d.DeliveryId));
        Assert.Empty(DeliveryLane.Pause(lane, "dlv_a", openedAt, probeAt, openedAt.AddSeconds(1)));

        _clock.Advance(TimeSpan.FromSeconds(90));
        Assert.Single(DeliveryLane.Pause(lane, "dlv_a", _clock.GetUtcNow(), _clock.GetUtcNow().AddSeconds(60), _clock.GetUtcNow()));
    }

    [Fact]
    public void A_paused_delivery_keeps_ageing_and_expires_by_its_max_age_which_counts_towards_auto_disable()
    {
        var lane = Lane(maxAge: 60);
        var openedAt = _clock.GetUtcNow();
        lane = DeliveryLane.Evolve(lane, DeliveryLane.Pause(lane, "dlv_a", openedAt, openedAt.AddSeconds(600), openedAt)[0]);

        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Empty(DeliveryLane.Expire(lane, "dlv_a", _clock.GetUtcNow()));
        Assert.Equal(openedAt.AddSeconds(60).AddTicks(1), lane.Deliveries["dlv_a"].ExpiresAt);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var expired = Assert.IsType<DeliveryFailed>(Assert.Single(DeliveryLane.Expire(lane, "dlv_a", _clock.GetUtcNow())));

        Assert.Equal(FailureCodes.Expired, expired.Reason);
        Assert.Equal(1, AutoDisable.Evolve(DisableState.Enabled, expired).ConsecutiveTerminalFailures);
    }

    [Fact]
    public void A_410_answer_fails_the_delivery_at_once_with_retries_left()
    {
        var lane = Lane();
        var now = _clock.GetUtcNow();

        var events = DeliveryLane.RecordAttempt(lane, new AttemptResult("dlv_a", 1, now, 3, 410, FailureCodes.HttpStatus, "receiver answered 410", null), now);

        Assert.Null(Assert.IsType<AttemptFailed>(events[0]).NextAttemptAt);
        Assert.Equal(PolicyReasons.Gone, Assert.IsType<DeliveryFailed>(events[1]).Reason);
    }
}
