using Ledger.Domain;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Domain.Tests;

public class CircuitBreakerTests
{
    private const string Webhook = "wh_1";
    private const string LaneA = "delivery-wh_1";
    private const string LaneB = "delivery-wh_1~b";
    private static readonly BreakerSettings Settings = new(FailureThreshold: 5, CooldownSeconds: 30, MaxCooldownSeconds: 600);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 2, 12, 0, 0, TimeSpan.Zero));
    private BreakerState _state = BreakerState.Closed;

    private DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>Applies an attempt's outcome as the dispatcher reports it, then what the breaker decides on it.</summary>
    private IReadOnlyList<ILedgerEvent> Attempt(string deliveryId, bool succeeded, int status = 500)
    {
        ILedgerEvent outcome = succeeded
            ? new AttemptSucceeded(deliveryId, 1, Now, 5, 200, null)
            : new AttemptFailed(deliveryId, 1, Now, 5, status, FailureCodes.HttpStatus, $"receiver answered {status}", null, Now.AddSeconds(5));
        _state = CircuitBreaker.Evolve(_state, outcome);
        var decided = CircuitBreaker.AfterAttempt(_state, Webhook, deliveryId, succeeded, Settings, Now);
        _state = decided.Aggregate(_state, CircuitBreaker.Evolve);
        return decided;
    }

    private void Apply(IReadOnlyList<ILedgerEvent> events) => _state = events.Aggregate(_state, CircuitBreaker.Evolve);

    private void OpenIt()
    {
        for (var i = 1; i <= 5; i++)
        {
            Attempt($"dlv_{i}", succeeded: false);
        }
    }

    [Fact]
    public void Five_consecutive_failures_on_any_lanes_open_the_breaker_with_count_last_failure_and_cooldown_end()
    {
        for (var i = 1; i <= 4; i++)
        {
            Assert.Empty(Attempt($"dlv_{i}", succeeded: false, status: 500 + i));
            Assert.Equal(CircuitState.Closed, _state.State);
        }

        var opened = Assert.IsType<CircuitOpened>(Assert.Single(Attempt("dlv_5", succeeded: false, status: 503)));

        Assert.Equal(5, opened.ConsecutiveFailures);
        Assert.Equal(FailureCodes.HttpStatus, opened.LastFailureCode);
        Assert.Equal(503, opened.LastStatusCode);
        Assert.Equal(Now, opened.OpenedAt);
        Assert.Equal(30, opened.CooldownSeconds);
        Assert.Equal(Now.AddSeconds(30), opened.ProbeAt);
        Assert.Equal(CircuitState.Open, _state.State);
    }

    [Fact]
    public void A_success_between_failures_starts_the_count_again()
    {
        for (var i = 1; i <= 4; i++)
        {
            Attempt($"dlv_{i}", succeeded: false);
        }
        Attempt("dlv_ok", succeeded: true);
        for (var i = 6; i <= 9; i++)
        {
            Assert.Empty(Attempt($"dlv_{i}", succeeded: false));
        }

        Assert.Equal(CircuitState.Closed, _state.State);
        Assert.Single(Attempt("dlv_10", succeeded: false));
    }

    [Fact]
    public void While_open_due_deliveries_pause_until_the_probe_time_once_per_opening()
    {
        OpenIt();
        var openedAt = _state.OpenedAt;

        var admission = CircuitBreaker.Admit(_state, LaneA, "dlv_x", Settings, Now);

        Assert.Equal(AdmissionKind.Wait, admission.Kind);
        Assert.Equal(Now.AddSeconds(30), admission.Until);
        Assert.Equal(openedAt, admission.PauseFor);
        Assert.Equal(Now.AddSeconds(30), CircuitBreaker.NextProbeAt(_state, Settings));
    }

    [Fact]
    public void After_the_cooldown_exactly_one_delivery_becomes_the_probe()
    {
        OpenIt();
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(CircuitBreaker.ClaimProbe(_state, Webhook, LaneA, "dlv_a", Settings, Now));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AdmissionKind.ClaimProbe, CircuitBreaker.Admit(_state, LaneA, "dlv_a", Settings, Now).Kind);
        var claim = CircuitBreaker.ClaimProbe(_state, Webhook, LaneA, "dlv_a", Settings, Now);
        var halfOpened = Assert.IsType<CircuitHalfOpened>(Assert.Single(claim));
        Apply(claim);

        Assert.Equal(CircuitState.HalfOpen, _state.State);
        Assert.Equal("dlv_a", halfOpened.ProbeDeliveryId);
        Assert.Equal(AdmissionKind.Go, CircuitBreaker.Admit(_state, LaneA, "dlv_a", Settings, Now).Kind);
        Assert.Equal(AdmissionKind.Wait, CircuitBreaker.Admit(_state, LaneB, "dlv_b", Settings, Now).Kind);
        Assert.Empty(CircuitBreaker.ClaimProbe(_state, Webhook, LaneB, "dlv_b", Settings, Now));
    }

    [Fact]
    public void A_successful_probe_closes_the_breaker_and_everything_goes_again()
    {
        OpenIt();
        _clock.Advance(TimeSpan.FromSeconds(30));
        Apply(CircuitBreaker.ClaimProbe(_state, Webhook, LaneA, "dlv_a", Settings, Now));

        var closed = Assert.IsType<CircuitClosed>(Assert.Single(Attempt("dlv_a", succeeded: true)));

        Assert.Equal(PolicyReasons.ProbeSucceeded, closed.Reason);
        Assert.Equal(CircuitState.Closed, _state.State);
        Assert.Equal(AdmissionKind.Go, CircuitBreaker.Admit(_state, LaneB, "dlv_b", Settings, Now).Kind);
        Assert.Null(CircuitBreaker.NextProbeAt(_state, Settings));
    }

    [Fact]
    public void A_failed_probe_reopens_with_the_cooldown_doubling_up_to_the_maximum_and_back_to_30_s_once_closed()
    {
        OpenIt();
        var cooldowns = new List<int>();
        for (var i = 0; i < 7; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(_state.ProbeAt!.Value > Now ? (_state.ProbeAt.Value - Now).TotalSeconds : 0));
            Apply(CircuitBreaker.ClaimProbe(_state, Webhook, LaneA, $"dlv_p{i}", Settings, Now));
            var reopened = Assert.IsType<CircuitOpened>(Assert.Single(Attempt($"dlv_p{i}", succeeded: false)));
            Assert.Equal(Now.AddSeconds(reopened.CooldownSeconds), reopened.ProbeAt);
            cooldowns.Add(reopened.CooldownSeconds);
        }
        Assert.Equal([60, 120, 240, 480, 600, 600, 600], cooldowns);

        _clock.Advance(TimeSpan.FromSeconds(600));
        Apply(CircuitBreaker.ClaimProbe(_state, Webhook, LaneA, "dlv_ok", Settings, Now));
        Attempt("dlv_ok", succeeded: true);
        OpenIt();

        Assert.Equal(Now.AddSeconds(30), _state.ProbeAt);
    }

    [Fact]
    public void Reset_closes_an_open_or_half_open_breaker_at_once_and_leaves_a_closed_one_alone()
    {
        Assert.Empty(CircuitBreaker.Reset(_state, Webhook, Now));

        OpenIt();
        var reset = Assert.IsType<CircuitClosed>(Assert.Single(CircuitBreaker.Reset(_state, Webhook, Now)));
        Apply([reset]);
        Assert.Equal(PolicyReasons.Reset, reset.Reason);
        Assert.Equal(CircuitState.Closed, _state.State);
        Assert.Equal(0, _state.ConsecutiveFailures);

        OpenIt();
        Assert.Equal(30, (_state.ProbeAt!.Value - Now).TotalSeconds);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Apply(CircuitBreaker.ClaimProbe(_state, Webhook, LaneA, "dlv_a", Settings, Now));
        Apply(CircuitBreaker.Reset(_state, Webhook, Now));
        Assert.Equal(CircuitState.Closed, _state.State);
    }

    [Fact]
    public void Attempts_in_flight_when_the_breaker_opened_do_not_move_it()
    {
        OpenIt();

        Assert.Empty(Attempt("dlv_late", succeeded: false));
        Assert.Empty(Attempt("dlv_late2", succeeded: true));
        Assert.Equal(CircuitState.Open, _state.State);
    }

    [Fact]
    public void A_probe_that_ends_without_an_attempt_or_never_reports_frees_the_breaker_for_another_probe()
    {
        OpenIt();
        _clock.Advance(TimeSpan.FromSeconds(30));
        Apply(CircuitBreaker.ClaimProbe(_state, Webhook, LaneA, "dlv_a", Settings, Now));
        Apply([new DeliveryFailed("dlv_a", FailureCodes.Expired, Now)]);

        Assert.Single(CircuitBreaker.ClaimProbe(_state, Webhook, LaneB, "dlv_b", Settings, Now));

        Apply(CircuitBreaker.ClaimProbe(_state, Webhook, LaneB, "dlv_b", Settings, Now));
        _clock.Advance(TimeSpan.FromSeconds(Settings.ProbeTimeoutSeconds - 1));
        Assert.Empty(CircuitBreaker.ClaimProbe(_state, Webhook, LaneA, "dlv_c", Settings, Now));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(CircuitBreaker.ClaimProbe(_state, Webhook, LaneA, "dlv_c", Settings, Now));
    }

    [Fact]
    public void Folding_the_webhook_stream_gives_the_state_back()
    {
        OpenIt();
        var opened = new CircuitOpened(Webhook, 5, FailureCodes.Timeout, null, Now, Now, 30, Now.AddSeconds(30));
        var halfOpened = new CircuitHalfOpened(Webhook, LaneA, "dlv_a", Now.AddSeconds(30));
        var reopened = new CircuitOpened(Webhook, 6, FailureCodes.Timeout, null, Now.AddSeconds(31), Now.AddSeconds(31), 60, Now.AddSeconds(91));

        var state = CircuitBreaker.Fold([opened, halfOpened, reopened]);

        Assert.Equal(CircuitState.Open, state.State);
        Assert.Equal(1, state.Reopenings);
        Assert.Equal(Now.AddSeconds(91), state.ProbeAt);
    }
}
