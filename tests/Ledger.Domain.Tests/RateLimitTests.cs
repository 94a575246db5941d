using Ledger.Domain;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Domain.Tests;

public class RateLimitTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 2, 12, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _clock.GetUtcNow();

    [Fact]
    public void At_most_n_attempts_start_in_any_60_seconds_and_the_next_waits_until_the_oldest_leaves_the_window()
    {
        var window = RateLimitWindow.Empty;
        var first = Now;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(AdmissionKind.Go, RateLimit.Admit(window, 3, Now).Kind);
            window = RateLimit.Record(window, $"dlv_{i}", 1, Now, Now);
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        var wait = RateLimit.Admit(window, 3, Now);
        Assert.Equal(AdmissionKind.Wait, wait.Kind);
        Assert.Equal(first.AddSeconds(60), wait.Until);
        Assert.Null(wait.PauseFor);

        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(AdmissionKind.Wait, RateLimit.Admit(window, 3, Now).Kind);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AdmissionKind.Go, RateLimit.Admit(window, 3, Now).Kind);
        Assert.Equal(2, RateLimit.Prune(window, Now).Count);
    }

    [Fact]
    public void An_attempt_admitted_early_and_sent_later_holds_the_window_from_when_it_was_sent()
    {
        var admitted = Now;
        var window = RateLimit.Record(RateLimitWindow.Empty, "dlv_a", 1, admitted, admitted);
        _clock.Advance(TimeSpan.FromSeconds(5));
        var sent = Now;
        window = RateLimit.Restamp(window, "dlv_a", 1, sent, Now);
        window = RateLimit.Restamp(window, "dlv_a", 1, admitted.AddSeconds(1), Now);
        window = RateLimit.Record(window, "dlv_a", 1, admitted, Now);

        Assert.Equal(1, window.Count);
        Assert.Equal(sent.AddSeconds(60), RateLimit.Admit(window, 1, Now).Until);
        _clock.Advance(TimeSpan.FromSeconds(57));
        Assert.Equal(AdmissionKind.Wait, RateLimit.Admit(window, 1, Now).Kind);
    }

    [Fact]
    public void An_attempt_seen_again_in_the_ledger_counts_once_and_old_ones_not_at_all()
    {
        var window = RateLimit.Record(RateLimitWindow.Empty, "dlv_a", 1, Now, Now);
        window = RateLimit.Record(window, "dlv_a", 1, Now, Now.AddSeconds(1));
        window = RateLimit.Record(window, "dlv_a", 2, Now.AddSeconds(-61), Now);

        Assert.Equal(1, window.Count);
        Assert.Equal(AdmissionKind.Go, RateLimit.Admit(window, 2, Now).Kind);
        Assert.Equal(AdmissionKind.Wait, RateLimit.Admit(window, 1, Now).Kind);
    }

    [Fact]
    public void Without_a_limit_everything_goes_and_v2k_defaults_to_100()
    {
        var window = Enumerable.Range(0, 500).Aggregate(RateLimitWindow.Empty, (w, i) => RateLimit.Record(w, $"dlv_{i}", 1, Now, Now));

        Assert.Equal(AdmissionKind.Go, RateLimit.Admit(window, null, Now).Kind);
        Assert.Equal(100, RateLimit.PerMinute(Profiles.V2k, null));
        Assert.Equal(7, RateLimit.PerMinute(Profiles.V2k, 7));
        Assert.Null(RateLimit.PerMinute(Profiles.Standard, null));
    }
}
