using Ledger.Domain.Portal;

namespace Ledger.Domain.Tests;

public sealed class PortalTokensTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_token_keeps_its_capabilities_lowercase_once_each_its_webhooks_once_and_expires_after_its_lifetime()
    {
        var created = PortalTokens.Create("pt_1", "hash", ["wh_b", "wh_a", "wh_b"], ["MANAGE", "read", "manage"], 60, _ => true, Now);

        Assert.Equal(["read", "manage"], created.Capabilities);
        Assert.Equal(["wh_b", "wh_a"], created.WebhookIds);
        Assert.Equal(Now.AddSeconds(60), created.ExpiresAt);
        Assert.Equal(Now.AddHours(1), PortalTokens.Create("pt_2", "hash", null, ["read"], null, _ => false, Now).ExpiresAt);
    }

    [Theory]
    [InlineData(new string[0], 3600, "capabilities")]
    [InlineData(new[] { "read", "admin" }, 3600, "capabilities")]
    [InlineData(new[] { "read" }, 59, "expiresInSeconds")]
    [InlineData(new[] { "read" }, 2_592_001, "expiresInSeconds")]
    public void Bad_capabilities_and_lifetimes_are_refused_with_the_field(string[] capabilities, int seconds, string field)
    {
        var refused = Assert.Throws<DomainException>(() => PortalTokens.Create("pt_1", "hash", null, capabilities, seconds, _ => true, Now));

        Assert.Equal((ErrorCodes.ValidationFailed, field), (refused.Code, refused.Field));
    }

    [Fact]
    public void Webhook_lists_are_null_or_webhooks_of_the_tenant()
    {
        Assert.Equal("webhookIds", Assert.Throws<DomainException>(() => PortalTokens.Create("pt_1", "h", [], ["read"], 60, _ => true, Now)).Field);
        var unknown = Assert.Throws<DomainException>(() => PortalTokens.Create("pt_1", "h", ["wh_a", "wh_x"], ["read"], 60, id => id == "wh_a", Now));
        Assert.Equal((ErrorCodes.NotFound, "webhookIds"), (unknown.Code, unknown.Field));
        Assert.Contains("wh_x", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_limited_scope_sees_only_its_webhooks_streams_and_never_portal_token_events()
    {
        var scope = CallerScope.Portal("pt_1", ["wh_a"], ["replay"]);

        Assert.True(scope.Can(PortalCapabilities.Read));
        Assert.True(scope.Can(PortalCapabilities.Replay));
        Assert.False(scope.Can(PortalCapabilities.Manage));
        Assert.True(scope.SeesStream("delivery-wh_a"));
        Assert.True(scope.SeesStream("delivery-wh_a~market-42"));
        Assert.True(scope.SeesStream("webhook-wh_a"));
        Assert.False(scope.SeesStream("delivery-wh_ab"));
        Assert.False(scope.SeesStream("webhook-wh_b"));
        Assert.False(scope.SeesStream("tenant-acme"));
        Assert.False(scope.SeesEventType("portal-token.created.v1"));
        Assert.True(CallerScope.Portal("pt_2", null, ["read"]).SeesStream("tenant-acme"));
        Assert.True(CallerScope.Operator.SeesEventType("portal-token.created.v1"));
        Assert.True(CallerScope.Operator.Can(PortalCapabilities.Manage));
    }
}
