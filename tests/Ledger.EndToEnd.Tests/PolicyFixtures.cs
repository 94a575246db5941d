namespace Ledger.EndToEnd.Tests;

/// <summary>
/// Settings for the delivery-policy tests: a cool-down of 2 s doubling to at most 4 s (so no test waits 30 s), and
/// auto-disable after 3 terminal failures for <c>v2k</c> webhooks.
/// </summary>
public static class PolicySettings
{
    public static Dictionary<string, string> ShortCooldown() => new()
    {
        ["Ledger__Delivery__Breaker__CooldownSeconds"] = "2",
        ["Ledger__Delivery__Breaker__MaxCooldownSeconds"] = "4",
        ["Ledger__Delivery__DisableAfterConsecutiveFailures"] = "3",
    };
}

/// <summary>One server with the short cool-down for a test class.</summary>
public sealed class ShortCooldownServerFixture() : StartedServerFixture(StorageKind.Sqlite, PolicySettings.ShortCooldown);

/// <summary>One server with the default cool-down (30 s, far longer than any of its tests) for a test class.</summary>
public sealed class DefaultCooldownServerFixture() : StartedServerFixture(StorageKind.Sqlite);
