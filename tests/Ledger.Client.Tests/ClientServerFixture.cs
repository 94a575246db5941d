namespace Ledger.Client.Tests;

/// <summary>One real Ledger server (SQLite) for the client tests.</summary>
public sealed class ClientServerFixture : IAsyncLifetime
{
    public LedgerServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await LedgerServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public HttpClient Http() => new() { BaseAddress = Server.BaseAddress };
}
