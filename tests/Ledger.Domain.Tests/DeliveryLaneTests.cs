using Ledger.Domain;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Domain.Tests;

public class DeliveryLaneTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 2, 12, 0, 0, TimeSpan.Zero);

    private static DeliveryEnqueued Enqueued(string id, IReadOnlyList<int>? schedule = null, int? maxAge = null, string ordering = Ordering.Fifo, DateTimeOffset? at = null) =>
        new(id, "evt_" + id, "wh_1", "default", "trade.completed", 1, ordering, schedule ?? [5, 300, 1800], maxAge, at ?? Start);

    private static AttemptResult Failure(string id, int number, DateTimeOffset at, int status = 500, TimeSpan? retryAfter = null) =>
        new(id, number, at, 12, status, FailureCodes.HttpStatus, $"receiver answered {status}", "oops", retryAfter);

    private static AttemptResult Success(string id, int number, DateTimeOffset at) => new(id, number, at, 7, 200, null, null, "ok");

    private static LaneState Apply(LaneState state, IEnumerable<ILedgerEvent> events) => events.Aggregate(state, DeliveryLane.Evolve);

    [Fact]
    public void Fifo_lane_holds_next_delivery_until_head_settles()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a"), Enqueued("dlv_b")]);

        Assert.Equal(["dlv_a"], DeliveryLane.Due(lane, Start).Select(d => d.DeliveryId));
        Assert.Throws<DomainException>(() => DeliveryLane.RecordAttempt(lane, Success("dlv_b", 1, Start), Start));

        lane = Apply(lane, DeliveryLane.RecordAttempt(lane, Failure("dlv_a", 1, Start), Start));
        Assert.Empty(DeliveryLane.Due(lane, Start.AddSeconds(4)));
        Assert.Equal(["dlv_a"], DeliveryLane.Due(lane, Start.AddSeconds(5)).Select(d => d.DeliveryId));

        lane = Apply(lane, DeliveryLane.RecordAttempt(lane, Success("dlv_a", 2, Start.AddSeconds(5)), Start.AddSeconds(5)));
        Assert.Equal(["dlv_b"], DeliveryLane.Due(lane, Start.AddSeconds(5)).Select(d => d.DeliveryId));
        Assert.Equal(DeliveryStatus.Delivered, lane.Deliveries["dlv_a"].Status);
    }

    [Fact]
    public void Unordered_lane_offers_every_due_delivery_at_once()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a", ordering: Ordering.Unordered), Enqueued("dlv_b", ordering: Ordering.Unordered)]);

        Assert.Equal(["dlv_a", "dlv_b"], DeliveryLane.Due(lane, Start).Select(d => d.DeliveryId));
        var events = DeliveryLane.RecordAttempt(lane, Success("dlv_b", 1, Start), Start);
        Assert.IsType<DeliveryCompleted>(events[^1]);
    }

    [Fact]
    public void Enqueue_is_idempotent()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a")]);

        Assert.Empty(DeliveryLane.Enqueue(lane, Enqueued("dlv_a")));
        Assert.Single(DeliveryLane.Enqueue(lane, Enqueued("dlv_b")));
    }

    [Fact]
    public void Retries_follow_the_schedule_then_fail_terminally()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a", schedule: [2, 4, 8])]);
        var now = Start;
        var sent = new List<DateTimeOffset>();
        for (var attempt = 1; ; attempt++)
        {
            var due = DeliveryLane.NextDueAt(lane);
            if (due is null)
            {
                break;
            }
            now = due.Value;
            sent.Add(now);
            lane = Apply(lane, DeliveryLane.RecordAttempt(lane, Failure("dlv_a", attempt, now), now));
        }

        Assert.Equal([Start, Start.AddSeconds(2), Start.AddSeconds(6), Start.AddSeconds(14)], sent);
        var delivery = lane.Deliveries["dlv_a"];
        Assert.Equal(DeliveryStatus.Failed, delivery.Status);
        Assert.Equal(4, delivery.Attempts);
        Assert.Empty(lane.Queue);
    }

    [Fact]
    public void Terminal_failure_records_why()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a", schedule: [])]);

        var events = DeliveryLane.RecordAttempt(lane, Failure("dlv_a", 1, Start), Start);

        var failed = Assert.IsType<DeliveryFailed>(events[^1]);
        Assert.Equal(FailureCodes.RetriesExhausted, failed.Reason);
        Assert.Null(Assert.IsType<AttemptFailed>(events[0]).NextAttemptAt);
    }

    [Fact]
    public void A_delivery_older_than_its_max_age_fails_as_expired_instead_of_retrying()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a", schedule: [60, 60, 60], maxAge: 100)]);
        var t1 = Start;
        lane = Apply(lane, DeliveryLane.RecordAttempt(lane, Failure("dlv_a", 1, t1), t1));
        var t2 = Start.AddSeconds(60);

        var events = DeliveryLane.RecordAttempt(lane, Failure("dlv_a", 2, t2), t2);

        Assert.Equal(FailureCodes.Expired, Assert.IsType<DeliveryFailed>(events[^1]).Reason);
    }

    [Fact]
    public void A_due_delivery_past_its_max_age_expires_without_an_attempt()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a", maxAge: 10)]);

        Assert.Empty(DeliveryLane.Expire(lane, "dlv_a", Start.AddSeconds(10)));
        var events = DeliveryLane.Expire(lane, "dlv_a", Start.AddSeconds(11));

        Assert.Equal(FailureCodes.Expired, Assert.IsType<DeliveryFailed>(Assert.Single(events)).Reason);
    }

    [Fact]
    public void Retry_after_is_honoured_up_to_double_the_scheduled_delay()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a", schedule: [10, 10])]);

        var shorter = DeliveryLane.RecordAttempt(lane, Failure("dlv_a", 1, Start, 429, TimeSpan.FromSeconds(3)), Start);
        var longer = DeliveryLane.RecordAttempt(lane, Failure("dlv_a", 1, Start, 503, TimeSpan.FromSeconds(500)), Start);

        Assert.Equal(Start.AddSeconds(3), Assert.IsType<AttemptFailed>(shorter[0]).NextAttemptAt);
        Assert.Equal(Start.AddSeconds(20), Assert.IsType<AttemptFailed>(longer[0]).NextAttemptAt);
    }

    [Fact]
    public void Redelivery_starts_a_new_cycle_and_numbers_attempts_on()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a", schedule: [1]), Enqueued("dlv_b", schedule: [])]);
        lane = Apply(lane, DeliveryLane.RecordAttempt(lane, Failure("dlv_a", 1, Start), Start));
        lane = Apply(lane, DeliveryLane.RecordAttempt(lane, Failure("dlv_a", 2, Start.AddSeconds(1)), Start.AddSeconds(1)));
        Assert.Equal(DeliveryStatus.Failed, lane.Deliveries["dlv_a"].Status);
        Assert.Throws<DomainException>(() => DeliveryLane.Redeliver(lane, "dlv_b", Start));

        var later = Start.AddHours(3);
        var redelivery = Assert.IsType<RedeliveryRequested>(Assert.Single(DeliveryLane.Redeliver(lane, "dlv_a", later)));
        lane = DeliveryLane.Evolve(lane, redelivery);

        Assert.Equal(2, redelivery.Cycle);
        Assert.Equal(["dlv_b", "dlv_a"], lane.Queue);
        Assert.Throws<DomainException>(() => DeliveryLane.RecordAttempt(lane, Success("dlv_a", 1, later), later));
        lane = Apply(lane, DeliveryLane.RecordAttempt(lane, Success("dlv_b", 1, later), later));
        var events = DeliveryLane.RecordAttempt(lane, Success("dlv_a", 3, later), later);
        lane = Apply(lane, events);

        Assert.Equal(3, Assert.IsType<AttemptSucceeded>(events[0]).AttemptNumber);
        Assert.Equal(DeliveryStatus.Delivered, lane.Deliveries["dlv_a"].Status);
    }

    [Fact]
    public void Compacting_keeps_only_what_is_still_to_be_delivered()
    {
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a"), Enqueued("dlv_b")]);
        lane = Apply(lane, DeliveryLane.RecordAttempt(lane, Success("dlv_a", 1, Start), Start));

        var compact = DeliveryLane.Compact(lane);

        Assert.Equal(["dlv_b"], compact.Deliveries.Keys);
        Assert.Equal(["dlv_b"], compact.Queue);
    }

    [Theory]
    [InlineData(Profiles.Standard, new[] { 5, 300, 1800, 7200, 18000, 36000, 36000 })]
    [InlineData(Profiles.Github, new[] { 5, 300, 1800, 7200, 18000, 36000, 36000 })]
    [InlineData(Profiles.Svix, new[] { 5, 300, 1800, 7200, 18000, 36000, 86400 })]
    [InlineData(Profiles.V2k, new[] { 2, 4, 8 })]
    [InlineData(Profiles.Generic, new[] { 30, 300, 1800, 7200 })]
    [InlineData(Profiles.Kepler, new[] { 5, 10, 15 })]
    public void Each_profile_retries_on_its_documented_schedule(string profile, int[] delays)
    {
        var (sent, final) = WalkToTerminal(profile);

        var expected = new List<DateTimeOffset> { Start };
        foreach (var delay in delays)
        {
            expected.Add(expected[^1].AddSeconds(delay));
        }
        Assert.Equal(expected, sent);
        Assert.Equal(FailureCodes.RetriesExhausted, final.Reason);
    }

    [Fact]
    public void Kash_doubles_from_five_seconds_and_fails_terminally_within_24_hours()
    {
        var (sent, final) = WalkToTerminal(Profiles.Kash);

        Assert.Equal(Start.AddSeconds(5), sent[1]);
        Assert.Equal(Start.AddSeconds(15), sent[2]);
        for (var i = 2; i < sent.Count; i++)
        {
            Assert.Equal((sent[i - 1] - sent[i - 2]) * 2, sent[i] - sent[i - 1]);
        }
        Assert.True(sent[^1] - Start <= TimeSpan.FromHours(24));
        Assert.True(sent[^1] - Start > TimeSpan.FromHours(22));
        Assert.Equal(FailureCodes.RetriesExhausted, final.Reason);
    }

    /// <summary>Fails every attempt of one delivery at the moment it is due, with a fake clock, until it settles.</summary>
    private static (List<DateTimeOffset> Sent, DeliveryFailed Final) WalkToTerminal(string profile)
    {
        var clock = new FakeTimeProvider(Start);
        var lane = Apply(LaneState.Empty, [Enqueued("dlv_a", Profiles.DefaultRetrySchedule(profile), Profiles.DefaultMaxAttemptAgeSeconds(profile))]);
        var sent = new List<DateTimeOffset>();
        DeliveryFailed? final = null;
        for (var attempt = 1; final is null; attempt++)
        {
            clock.SetUtcNow(DeliveryLane.NextDueAt(lane)!.Value);
            var now = clock.GetUtcNow();
            Assert.Single(DeliveryLane.Due(lane, now));
            sent.Add(now);
            var events = DeliveryLane.RecordAttempt(lane, Failure("dlv_a", attempt, now), now);
            lane = Apply(lane, events);
            final = events.OfType<DeliveryFailed>().SingleOrDefault();
        }
        return (sent, final);
    }
}
