namespace Ledger.Server.Tests;

/// <summary>One real server process (SQLite, Production) for a test class.</summary>
public sealed class RealServer : IAsyncLifetime
{
    public LedgerServer Server { get; private set; } = null!;

    // Random input makes webhooks whose deliveries fail (port 9): an opening breaker would publish an operational
    // event to the tenant, and the "refused input stores nothing" checks would see the ledger change under them.
    public async Task InitializeAsync() => Server = await LedgerServer.StartAsync(new Dictionary<string, string>
    {
        ["Ledger__Delivery__Breaker__FailureThreshold"] = "1000000",
    });

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
