using System.Data.Common;
using System.Net.Http.Headers;
using Ledger.Projections;
using Ledger.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Ledger.GraphQL.Tests;

/// <summary>
/// Nested fields load in batches: the number of read-model queries a page costs does not grow with the page. The
/// server runs in-process here so its read-model connections can be counted; the transport is not under test.
/// </summary>
public sealed class BatchedLoadingTests : IAsyncLifetime
{
    private const string Key = "gql_key_batching_0123456789";
    private readonly TempDirectory _directory = new("ledger-graphql-batching");
    private WebApplicationFactory<Program> _factory = null!;
    private CountingDatabase _database = null!;

    public Task InitializeAsync()
    {
        var ledgerPath = _directory.File("ledger.db");
        _database = new CountingDatabase(new SqliteReadModelDatabase(_directory.File("ledger.read.db")));
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Development");
            host.UseSetting("Ledger:Storage:Sqlite:Path", ledgerPath);
            host.UseSetting("LEDGER_BOOTSTRAP_API_KEY", "default:" + Key);
            host.UseSetting("Ledger:Limits:WebhooksPerTenant", "100");
            host.ConfigureTestServices(services =>
            {
                services.AddHttpContextAccessor();
                services.AddSingleton<ReadModelDatabase>(sp =>
                {
                    _database.Requests = sp.GetRequiredService<IHttpContextAccessor>();
                    return _database;
                });
            });
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_page_of_deliveries_with_their_webhook_event_and_attempts_costs_the_same_few_queries_at_5_and_at_50()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        for (var i = 0; i < 3; i++)
        {
            await client.QueryAsync("mutation($url: String!) { createWebhook(input: { url: $url, retrySchedule: [] }) { webhook { id } } }", new { url = Receivers.Refusing() });
        }
        for (var i = 0; i < 17; i++)
        {
            await client.QueryAsync("mutation { publishEvent(input: { type: \"batch.event\", data: {} }) { event { id } } }");
        }
        const string page = """
            query($n: Int) {
              deliveries(first: $n) {
                edges { node { id status webhook { id url } event { id type deliveries { id } } attemptLog { number } } }
              }
            }
            """;

        var small = await QueriesOfAsync(client, page, 5);
        var large = await QueriesOfAsync(client, page, 50);

        // The page itself, then one query each for webhooks, events, the events' deliveries and the attempts.
        Assert.Equal((5, 50), (small.Rows, large.Rows));
        Assert.Equal(small.Queries, large.Queries);
        Assert.InRange(large.Queries, 1, 5);
    }

    private async Task<(int Rows, int Queries)> QueriesOfAsync(HttpClient client, string query, int first)
    {
        _database.Reset();
        var data = await client.QueryAsync(query, new { n = first });
        return (data.GetProperty("deliveries").GetProperty("edges").GetArrayLength(), _database.Opened);
    }

    /// <summary>Counts the read-model connections opened on behalf of <c>/graphql</c> requests (one per query).</summary>
    private sealed class CountingDatabase(ReadModelDatabase inner) : ReadModelDatabase
    {
        private int _opened;

        public IHttpContextAccessor? Requests { get; set; }

        public int Opened => Volatile.Read(ref _opened);

        public void Reset() => Interlocked.Exchange(ref _opened, 0);

        public override Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            if (Requests?.HttpContext?.Request.Path == "/graphql")
            {
                Interlocked.Increment(ref _opened);
            }
            return inner.OpenAsync(cancellationToken);
        }

        public override Task EnsureSchemaAsync(CancellationToken cancellationToken) => inner.EnsureSchemaAsync(cancellationToken);

        public override Task DropAsync(CancellationToken cancellationToken) => inner.DropAsync(cancellationToken);
    }
}
