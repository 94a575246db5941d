namespace Ledger.EndToEnd.Tests;

/// <summary>One server for a test class, on the class's storage; each test uses webhooks of its own on its own receiver.</summary>
public sealed class ServerFixture<TStorage> : IAsyncLifetime
    where TStorage : IStorageChoice
{
    public LedgerServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await LedgerServer.StartAsync(TStorage.Kind);

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>A server that refuses private destinations and allows two webhooks per tenant.</summary>
public sealed class GuardedServerFixture<TStorage> : IAsyncLifetime
    where TStorage : IStorageChoice
{
    public LedgerServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await LedgerServer.StartAsync(TStorage.Kind, new Dictionary<string, string>
    {
        ["Ledger__Delivery__AllowPrivateNetworks"] = "false",
        ["Ledger__Limits__WebhooksPerTenant"] = "2",
    });

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
