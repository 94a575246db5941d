using Ledger.Domain;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Domain.Tests;

public class AutoDisableTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 2, 12, 0, 0, TimeSpan.Zero));
    private DisableState _state = DisableState.Enabled;

    private IReadOnlyList<ILedgerEvent> Fail(string reason, int? threshold = 3)
    {
        var failed = new DeliveryFailed("dlv_x", reason, _clock.GetUtcNow());
        _state = AutoDisable.Evolve(_state, failed);
        var decided = AutoDisable.AfterFailure(_state, "wh_1", reason, threshold, _clock.GetUtcNow());
        _state = decided.Aggregate(_state, AutoDisable.Evolve);
        return decided;
    }

    [Fact]
    public void The_threshold_defaults_to_the_configured_value_for_v2k_only_and_a_webhook_may_set_or_switch_it_off()
    {
        Assert.Equal(10, AutoDisable.Threshold(Profiles.V2k, null, 10));
        Assert.Null(AutoDisable.Threshold(Profiles.Standard, null, 10));
        Assert.Equal(4, AutoDisable.Threshold(Profiles.Standard, 4, 10));
        Assert.Null(AutoDisable.Threshold(Profiles.V2k, 0, 10));
        Assert.Null(AutoDisable.Threshold(Profiles.V2k, null, 0));
    }

    [Fact]
    public void Consecutive_terminal_failures_retries_exhausted_or_expired_disable_the_webhook_at_the_threshold()
    {
        Assert.Empty(Fail(FailureCodes.RetriesExhausted));
        Assert.Empty(Fail(FailureCodes.Expired));
        _clock.Advance(TimeSpan.FromMinutes(1));

        var disabled = Assert.IsType<WebhookDisabled>(Assert.Single(Fail(FailureCodes.RetriesExhausted)));

        Assert.Equal(PolicyReasons.ConsecutiveFailures, disabled.Reason);
        Assert.Equal(3, disabled.ConsecutiveFailures);
        Assert.Equal(_clock.GetUtcNow(), disabled.DisabledAt);
        Assert.True(_state.IsDisabled);
        Assert.Empty(Fail(FailureCodes.RetriesExhausted));
    }

    [Fact]
    public void A_delivered_delivery_starts_the_count_again_and_other_endings_do_not_count()
    {
        Fail(FailureCodes.RetriesExhausted);
        Fail(FailureCodes.RetriesExhausted);
        _state = AutoDisable.Evolve(_state, new DeliveryCompleted("dlv_ok", _clock.GetUtcNow()));
        Assert.Empty(Fail(FailureCodes.RetriesExhausted));
        Assert.Empty(Fail("WEBHOOK_DELETED"));
        Assert.Empty(Fail(FailureCodes.Expired));

        Assert.Single(Fail(FailureCodes.Expired));
    }

    [Fact]
    public void Without_a_threshold_failures_never_disable()
    {
        for (var i = 0; i < 50; i++)
        {
            Assert.Empty(Fail(FailureCodes.RetriesExhausted, threshold: null));
        }
    }

    [Fact]
    public void A_410_disables_at_once_as_gone_even_without_a_threshold()
    {
        var disabled = Assert.IsType<WebhookDisabled>(Assert.Single(Fail(PolicyReasons.Gone, threshold: null)));

        Assert.Equal(PolicyReasons.Gone, disabled.Reason);
    }

    [Fact]
    public void Enabling_again_starts_the_count_afresh()
    {
        Fail(FailureCodes.RetriesExhausted);
        Fail(FailureCodes.RetriesExhausted);
        Fail(FailureCodes.RetriesExhausted);
        Assert.True(_state.IsDisabled);

        _state = AutoDisable.Enable(_state);

        Assert.False(_state.IsDisabled);
        Assert.Empty(Fail(FailureCodes.RetriesExhausted));
        Assert.Empty(Fail(FailureCodes.RetriesExhausted));
        Assert.Single(Fail(FailureCodes.RetriesExhausted));
    }

    [Fact]
    public void A_manual_update_to_inactive_is_manual_an_auto_disable_keeps_its_reason_and_enabling_clears_it()
    {
        var now = _clock.GetUtcNow();
        var webhook = WebhookDecider.Evolve(null, "default", WebhookDecider.Register(new WebhookId("wh_1"), new WebhookSettings(Url: "https://example.com/h"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now))!;

        var manual = WebhookDecider.Evolve(webhook, "default", WebhookDecider.Update(webhook, new WebhookSettings(Active: false), now))!;
        Assert.Equal(PolicyReasons.Manual, manual.DisabledReason);

        var gone = WebhookDecider.Evolve(webhook, "default", new WebhookDisabled("wh_1", PolicyReasons.Gone, 0, now))!;
        Assert.False(gone.Active);
        Assert.Equal(PolicyReasons.Gone, gone.DisabledReason);
        var edited = WebhookDecider.Evolve(gone, "default", WebhookDecider.Update(gone, new WebhookSettings(Description: "still gone"), now))!;
        Assert.Equal(PolicyReasons.Gone, edited.DisabledReason);

        var enabled = WebhookDecider.Evolve(gone, "default", WebhookDecider.Update(gone, new WebhookSettings(Active: true), now))!;
        Assert.True(enabled.Active);
        Assert.Null(enabled.DisabledReason);
    }

    [Fact]
    public void A_disabled_webhook_still_wants_its_events_so_they_wait_for_it()
    {
        var now = _clock.GetUtcNow();
        var webhook = WebhookDecider.Evolve(null, "default", WebhookDecider.Register(new WebhookId("wh_1"), new WebhookSettings(Url: "https://example.com/h", Active: false), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now))!;

        using var data = System.Text.Json.JsonDocument.Parse("{}");
        Assert.True(webhook.Wants("trade.completed", data.RootElement));
    }

    [Fact]
    public void Disable_after_must_be_a_sensible_count()
    {
        var error = Assert.Throws<DomainException>(() => WebhookDecider.Register(
            new WebhookId("wh_1"), new WebhookSettings(Url: "https://example.com/h", DisableAfterConsecutiveFailures: -1), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", _clock.GetUtcNow()));

        Assert.Equal("disableAfterConsecutiveFailures", error.Field);
    }
}
