namespace Ledger.EndToEnd.Tests;

/// <summary>One server for a test class, started with the given storage and settings, stopped after the class.</summary>
public abstract class StartedServerFixture(StorageKind storage, Func<Dictionary<string, string>>? settings = null) : IAsyncLifetime
{
    public LedgerServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await LedgerServer.StartAsync(storage, settings?.Invoke());

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>One server for a test class, on the class's storage; each test uses webhooks of its own on its own receiver.</summary>
public sealed class ServerFixture<TStorage>() : StartedServerFixture(TStorage.Kind)
    where TStorage : IStorageChoice;

/// <summary>A server that refuses private destinations and allows two webhooks per tenant.</summary>
public sealed class GuardedServerFixture<TStorage>() : StartedServerFixture(TStorage.Kind, () => new Dictionary<string, string>
{
    ["Ledger__Delivery__AllowPrivateNetworks"] = "false",
    ["Ledger__Limits__WebhooksPerTenant"] = "2",
})
    where TStorage : IStorageChoice;

/// <summary>
/// A server whose circuit breaker tolerates long runs of failures, for tests whose receivers fail at random on
/// purpose (FIFO under failures): with the default threshold of 5, a run of five failures in a row opens the breaker
/// for 30 s, then longer, and the test waits on the breaker instead of on what it checks.
/// </summary>
public sealed class PatientBreakerServerFixture<TStorage>() : StartedServerFixture(TStorage.Kind, PatientBreaker.Settings)
    where TStorage : IStorageChoice;

public static class PatientBreaker
{
    public static Dictionary<string, string> Settings() => new() { ["Ledger__Delivery__Breaker__FailureThreshold"] = "1000" };
}
