using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Ledger.EventStore;
using Ledger.EventStore.Postgres;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// The server losing its PostgreSQL database mid-load. The server logs in as a role of its own, so the test can cut
/// exactly its sessions (<c>pg_terminate_backend</c>) and keep it out (<c>NOLOGIN</c>) while every other test
/// goes on using the same PostgreSQL server.
/// </summary>
public class DatabaseOutageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Losing_the_database_mid_load_reports_unhealthy_then_resumes_without_losing_or_duplicating_ledger_events()
    {
        await using var role = await ServerRole.CreateAsync();
        await using var receiver = await Receiver.StartAsync();
        var received = new ConcurrentDictionary<string, int>();
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Handler = request =>
        {
            var id = JsonDocument.Parse(request.Body).RootElement.GetProperty("id").GetString()!;
            if (received.AddOrUpdate(id, 1, (_, n) => n + 1) == 1 && received.Count >= 30)
            {
                loaded.TrySetResult();
            }
            return Task.FromResult(Results.Ok());
        };
        await using var server = await LedgerServer.StartAsync(StorageKind.Postgres, new Dictionary<string, string>
        {
            ["ConnectionStrings__Ledger"] = role.ConnectionString,
            ["Ledger__Delivery__TimeoutSeconds"] = "5",
        });
        using var client = server.Client();
        await client.CreateWebhookAsync(new { url = receiver.Url(), retrySchedule = Enumerable.Repeat(0, 10).ToArray() });

        // Publishers run through the outage; only publishes the server answered 202 count as acknowledged.
        var acknowledged = new ConcurrentQueue<string>();
        var refused = new ConcurrentQueue<HttpStatusCode>();
        var acknowledgedAfterOutage = 0;
        var outageOver = false;
        using var stop = new CancellationTokenSource();
        var publishers = Enumerable.Range(0, 3).Select(p => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var response = await client.PostAsJsonAsync("/v1/events", new { type = "outage.test", data = new { p, i }, orderingKey = "key-" + (i % 8) }, CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    acknowledged.Enqueue((await response.JsonAsync(202)).Id());
                    if (Volatile.Read(ref outageOver))
                    {
                        Interlocked.Increment(ref acknowledgedAfterOutage);
                    }
                }
                else
                {
                    refused.Enqueue(response.StatusCode);
                }
            }
        })).ToArray();

        await loaded.Task.WithinAsync(Patience, "30 events reaching the receiver");
        await role.LockOutAsync();
        await WaitForHealthAsync(server, HttpStatusCode.ServiceUnavailable);
        await WaitForAsync(() => !refused.IsEmpty, "a publish refused while the database is gone");
        await role.LetInAsync();
        await WaitForHealthAsync(server, HttpStatusCode.OK);
        Volatile.Write(ref outageOver, true);
        await WaitForAsync(() => Volatile.Read(ref acknowledgedAfterOutage) >= 30, "30 publishes acknowledged after the outage");
        await stop.CancelAsync();
        await Task.WhenAll(publishers).WithinAsync(Patience, "the publishers stopping");

        var ids = acknowledged.ToHashSet();
        try
        {
            await receiver.WaitForAsync(_ => ids.All(received.ContainsKey), TimeSpan.FromSeconds(120));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var log = server.Output;
            var missing = ids.Where(id => !received.ContainsKey(id)).ToList();
            using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
            var health = await anonymous.GetStringAsync(new Uri("/healthz", UriKind.Relative));
            Assert.Fail($"{missing.Count} acknowledged events never arrived (e.g. {string.Join(", ", missing.Take(5))}); "
                + $"health {health}, {await DescribeAsync(server)}; the server said:\n{log[Math.Max(0, log.Length - 8000)..]}");
        }
        var output = server.Output;
        Assert.True(refused.All(status => status == HttpStatusCode.ServiceUnavailable),
            $"publishes were refused with {string.Join(", ", refused.Distinct())}, not only 503; the server said:\n{output[Math.Max(0, output.Length - 6000)..]}");
        await AssertLedgerIntactAsync(server, ids);
    }

    /// <summary>
    /// Every stream's versions run from 0 without a gap and its hash chain verifies; every acknowledged event is in the
    /// ledger once; each delivery is enqueued once and no attempt of it is recorded twice.
    /// </summary>
    private static async Task AssertLedgerIntactAsync(LedgerServer server, HashSet<string> acknowledged)
    {
        await using var store = await PostgresEventStore.CreateAsync(PostgresTestServer.ConnectionString, server.PostgresSchema!);
        var events = new List<StoredEvent>();
        for (long after = 0; ;)
        {
            var batch = await store.ReadAllAsync(after, 5000);
            if (batch.Count == 0)
            {
                break;
            }
            events.AddRange(batch);
            after = batch[^1].Position;
        }
        Assert.Equal(Enumerable.Range(1, events.Count).Select(p => (long)p), events.Select(e => e.Position));
        foreach (var stream in events.GroupBy(e => e.StreamId))
        {
            Assert.True(EventHash.VerifyChain(stream.OrderBy(e => e.Version), out var problem), problem);
        }

        var published = events.Where(e => e.Type == "event.published.v1").Select(e => e.IdempotencyKey!).ToList();
        Assert.Equal(published.Count, published.Distinct().Count());
        Assert.Subset(published.ToHashSet(), acknowledged);

        var lanes = events.Where(e => e.StreamId.StartsWith("delivery-", StringComparison.Ordinal)).Select(e => (e.Type, Data: JsonDocument.Parse(e.Data).RootElement)).ToList();
        var enqueued = lanes.Where(e => e.Type == "delivery.enqueued.v1").Select(e => e.Data.GetProperty("deliveryId").GetString()).ToList();
        Assert.Equal(enqueued.Count, enqueued.Distinct().Count());
        // A publish that committed while its answer was lost to the outage is not acknowledged; its enqueue may be under way.
        Assert.InRange(enqueued.Count, acknowledged.Count, published.Count);
        var attempts = lanes.Where(e => e.Type is "delivery.attempt-succeeded.v1" or "delivery.attempt-failed.v1")
            .Select(e => (e.Data.GetProperty("deliveryId").GetString(), e.Data.GetProperty("attemptNumber").GetInt32())).ToList();
        Assert.Equal(attempts.Count, attempts.Distinct().Count());
    }

    /// <summary>The ledger's head and the checkpoints, for a failure message.</summary>
    private static async Task<string> DescribeAsync(LedgerServer server)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT 'head ' || coalesce(max(position), 0) FROM "{server.PostgresSchema}".events
            UNION ALL SELECT name || ' ' || position FROM "{server.PostgresSchema}_read".checkpoints
            UNION ALL SELECT 'lanes with work ' || count(*) FROM "{server.PostgresSchema}_read".lanes WHERE unsettled > 0
            """,
            connection);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join(", ", lines);
    }

    /// <summary>
    /// Waits until <c>/healthz</c> answers <paramref name="status"/>. Health has no signal to wait on, so this polls it
    /// (every 100 ms) until it holds or the deadline passes.
    /// </summary>
    private static async Task WaitForHealthAsync(LedgerServer server, HttpStatusCode status)
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        await WaitForAsync(async () => (await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode == status, $"/healthz answering {(int)status}");
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    /// <summary>Polls a condition that has no signal of its own (every 100 ms) until it holds or the deadline passes.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"{what} did not happen within {Patience.TotalSeconds} s");
            }
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>A login role for one server, which the test can lock out of the database and let in again.</summary>
    private sealed class ServerRole : IAsyncDisposable
    {
        private readonly string _name;

        private ServerRole(string name, string connectionString)
        {
            _name = name;
            ConnectionString = connectionString;
        }

        public string ConnectionString { get; }

        public static async Task<ServerRole> CreateAsync()
        {
            var admin = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString);
            var name = "ledger_outage_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            await ExecuteAsync($"CREATE ROLE {name} LOGIN PASSWORD '{password}'; GRANT CREATE, CONNECT ON DATABASE \"{admin.Database}\" TO {name}");
            var connection = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Username = name, Password = password, ApplicationName = name };
            return new ServerRole(name, connection.ConnectionString);
        }

        /// <summary>No new sessions, and the open ones ended: to the server, the database is gone.</summary>
        public Task LockOutAsync() => ExecuteAsync(
            $"ALTER ROLE {_name} NOLOGIN; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{_name}'");

        public Task LetInAsync() => ExecuteAsync($"ALTER ROLE {_name} LOGIN");

        /// <summary>Runs after the server (and its schemas) are gone: await using disposes in reverse order.</summary>
        public async ValueTask DisposeAsync() => await ExecuteAsync(
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{_name}'; DROP OWNED BY {_name}; DROP ROLE {_name}");

        private static async Task ExecuteAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
