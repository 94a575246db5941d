using System.Net.Http.Headers;
using Ledger.EventStore;
using Ledger.EventStore.Sqlite;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Server.Tests;

/// <summary>The server in-process on SQLite in a temp directory, its event store wrapped so a test can make it fail.</summary>
public sealed class InProcessServer : IAsyncLifetime
{
    public const string Key = "server_tests_key_0123456789";

    private readonly TempDirectory _directory = new("ledger-server-tests");
    private readonly (string Key, string Value)[] _settings;
    private WebApplicationFactory<Program> _factory = null!;

    public InProcessServer()
        : this([])
    {
    }

    /// <summary>A server with these settings on top of the usual ones.</summary>
    internal InProcessServer(params (string Key, string Value)[] settings) => _settings = settings;

    public FaultyEventStore Store { get; private set; } = null!;

    public Task InitializeAsync()
    {
        var ledgerPath = _directory.File("ledger.db");
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Production");
            host.UseSetting("Ledger:Storage:Sqlite:Path", ledgerPath);
            host.UseSetting("LEDGER_BOOTSTRAP_API_KEY", "default:" + Key);
            foreach (var (key, value) in _settings)
            {
                host.UseSetting(key, value);
            }
            host.ConfigureTestServices(services => services.AddSingleton<IEventStore>(_ =>
                Store = new FaultyEventStore(SqliteEventStore.Open(ledgerPath, NullLogger<SqliteEventStore>.Instance))));
        });
        return Task.CompletedTask;
    }

    public HttpClient Client()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    public IServiceProvider Services => _factory.Services;

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _directory.Dispose();
    }
}
