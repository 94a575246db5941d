using System.Text.Json;
using Ledger.Domain;

namespace Ledger.Domain.Tests;

public class WebhookDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 2, 12, 0, 0, TimeSpan.Zero);
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static WebhookState Registered(WebhookSettings settings)
    {
        var registered = WebhookDecider.Register(new WebhookId("wh_1"), settings, Secret, Now);
        return WebhookDecider.Evolve(null, "default", registered)!;
    }

    [Fact]
    public void Only_the_url_is_required_and_the_rest_has_defaults()
    {
        var webhook = Registered(new WebhookSettings(Url: "https://example.com/hooks"));

        Assert.Equal(["*"], webhook.Events);
        Assert.Equal(Profiles.Standard, webhook.Profile);
        Assert.Equal(Ordering.Fifo, webhook.Ordering);
        Assert.True(webhook.Active);
        Assert.Equal(Secret, webhook.Secret);
        Assert.Equal([5, 300, 1800, 7200, 18000, 36000, 36000], webhook.EffectiveRetrySchedule);
    }

    [Theory]
    [InlineData("url", null)]
    [InlineData("url", "not a url")]
    [InlineData("url", "ftp://example.com/x")]
    [InlineData("url", "https://user:pw@example.com/x")]
    [InlineData("url", "https://example.com/hook\r\nX-Injected: yes")]
    [InlineData("url", "https://example.com/hook\n")]
    [InlineData("url", "https://example.com/a b")]
    [InlineData("url", " https://example.com/hook")]
    [InlineData("url", "https://example.com/hook\t")]
    [InlineData("url", "https://example.com/\u0000")]
    [InlineData("url", "https://example.com/\u2028")]
    [InlineData("url", "https://example.com:0/hook")]
    [InlineData("url", "http://127.0.0.1:0/hook")]
    [InlineData("url", "https://example.com:65536/hook")]
    public void A_bad_url_is_refused_with_its_field(string field, string? url)
    {
        var error = Assert.Throws<DomainException>(() => WebhookDecider.Register(new WebhookId("wh_1"), new WebhookSettings(Url: url), Secret, Now));

        Assert.Equal(ErrorCodes.ValidationFailed, error.Code);
        Assert.Equal(field, error.Field);
    }

    [Theory]
    [InlineData("https://example.com/hook\r\n")]
    [InlineData("https://example.com:0/hook")]
    public void A_bad_url_is_refused_by_an_update_too(string url)
    {
        var webhook = Registered(new WebhookSettings(Url: "https://example.com/hooks"));

        var error = Assert.Throws<DomainException>(() => WebhookDecider.Update(webhook, new WebhookSettings(Url: url), Now));

        Assert.Equal((ErrorCodes.ValidationFailed, "url"), (error.Code, error.Field));
    }

    [Theory]
    [InlineData("https://example.com:1/hook")]
    [InlineData("https://example.com:65535/hook")]
    [InlineData("https://example.com/caf%C3%A9?q=a%20b")]
    [InlineData("http://[2001:db8::1]:8080/hook")]
    public void A_good_url_is_accepted(string url) => Assert.Equal(url, Registered(new WebhookSettings(Url: url)).Url);

    [Theory]
    [InlineData("standard", "not-whsec-secret-at-all", false)]
    [InlineData("svix", "whsec_short", false)]
    [InlineData("standard", Secret, true)]
    [InlineData("v2k", "sixteen-chars-ok", true)]
    [InlineData("v2k", "short", false)]
    [InlineData("generic", "whsec_anything_goes_here", true)]
    public void A_given_secret_must_fit_its_profile(string profile, string secret, bool accepted)
    {
        var settings = new WebhookSettings(Url: "https://example.com/hooks", Profile: profile, Secret: secret);

        var exception = Record.Exception(() => WebhookDecider.Register(new WebhookId("wh_1"), settings, Secret, Now));

        Assert.Equal(accepted, exception is null);
    }

    [Fact]
    public void Kepler_webhooks_need_a_filter()
    {
        var error = Assert.Throws<DomainException>(() =>
            WebhookDecider.Register(new WebhookId("wh_1"), new WebhookSettings(Url: "https://example.com/k", Profile: Profiles.Kepler, Secret: "0123456789abcdef"), Secret, Now));

        Assert.Equal("filters", error.Field);
    }

    [Fact]
    public void Update_changes_only_what_it_names()
    {
        var webhook = Registered(new WebhookSettings(Url: "https://example.com/hooks", Events: ["trade.*"], Description: "d"));

        var updated = WebhookDecider.Evolve(webhook, "default", WebhookDecider.Update(webhook, new WebhookSettings(Active: false), Now.AddMinutes(1)))!;

        Assert.False(updated.Active);
        Assert.Equal(["trade.*"], updated.Events);
        Assert.Equal("d", updated.Description);
        Assert.Equal(Now.AddMinutes(1), updated.UpdatedAt);
    }

    [Fact]
    public void Rotation_keeps_the_old_secret_signing_through_the_overlap()
    {
        var webhook = Registered(new WebhookSettings(Url: "https://example.com/hooks"));
        const string next = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

        var rotated = WebhookDecider.Evolve(webhook, "default", WebhookDecider.RotateSecret(webhook, next, 24, Now))!;

        Assert.Equal([next, Secret], rotated.SigningSecrets(Now.AddHours(23)));
        Assert.Equal([next], rotated.SigningSecrets(Now.AddHours(24)));
    }

    [Fact]
    public void A_deleted_webhook_takes_no_more_commands()
    {
        var webhook = Registered(new WebhookSettings(Url: "https://example.com/hooks"));
        var deleted = WebhookDecider.Evolve(webhook, "default", WebhookDecider.Delete(webhook, Now))!;

        Assert.Equal(ErrorCodes.NotFound, Assert.Throws<DomainException>(() => WebhookDecider.Update(deleted, new WebhookSettings(Active: true), Now)).Code);
        Assert.False(deleted.Wants("trade.completed", JsonDocument.Parse("{}").RootElement));
    }

    [Fact]
    public void Eleven_metadata_keys_are_one_too_many()
    {
        var metadata = Enumerable.Range(0, 11).ToDictionary(i => $"k{i}", i => "v");

        var error = Assert.Throws<DomainException>(() => Metadata.Validate(metadata));

        Assert.Equal("metadata", error.Field);
    }
}

public class EventPatternTests
{
    [Theory]
    [InlineData("*", "trade.completed", true)]
    [InlineData("trade.*", "trade.completed", true)]
    [InlineData("trade.*", "trade.fx.completed", true)]
    [InlineData("trade.*", "trade", false)]
    [InlineData("trade.*", "trades.completed", false)]
    [InlineData("trade.completed", "trade.completed", true)]
    [InlineData("trade.completed", "trade.failed", false)]
    public void Patterns_match_exactly_or_by_prefix(string pattern, string type, bool matches) =>
        Assert.Equal(matches, EventPatterns.Matches(pattern, type));

    [Theory]
    [InlineData("trade.*", true)]
    [InlineData("*", true)]
    [InlineData("trade*", false)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    public void Only_known_pattern_shapes_are_valid(string pattern, bool valid) => Assert.Equal(valid, EventPatterns.IsValidPattern(pattern));

    [Fact]
    public void Filters_compare_exactly_and_decode_the_first_topic()
    {
        using var data = JsonDocument.Parse("""{"address":"erd1abc","identifier":"distribute","topics":["ZGlzdHJpYnV0ZWQ=","AAAA"]}""");

        Assert.True(FilterMatcher.Matches(new WebhookFilters("erd1abc", "distribute", "distributed"), data.RootElement));
        Assert.False(FilterMatcher.Matches(new WebhookFilters("erd1abc", "transfer", null), data.RootElement));
        Assert.False(FilterMatcher.Matches(new WebhookFilters(null, null, "claimed"), data.RootElement));
        Assert.True(FilterMatcher.Matches(null, data.RootElement));
    }
}

public class PrefixedIdTests
{
    [Fact]
    public void Ids_carry_their_prefix_and_sort_by_time()
    {
        var random = new byte[10];
        var earlier = PrefixedId.Create("dlv_", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), random);
        var later = PrefixedId.Create("dlv_", new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), random);

        Assert.StartsWith("dlv_", earlier, StringComparison.Ordinal);
        Assert.Equal(30, earlier.Length);
        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }
}
