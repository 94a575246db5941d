using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Ledger.Bench;

/// <summary>
/// The peer: the webhook sender a .NET team would otherwise build — Hangfire on PostgreSQL, one job per delivery;
/// the job signs (Standard Webhooks), POSTs, and throws on anything but 2xx so that Hangfire retries it.
/// </summary>
public sealed class HangfirePeer : IDisposable
{
    private readonly PostgreSqlStorage _storage;
    private readonly BackgroundJobServer _server;
    private readonly BackgroundJobClient _client;

    private HangfirePeer(PostgreSqlStorage storage, BackgroundJobServer server)
    {
        _storage = storage;
        _server = server;
        _client = new BackgroundJobClient(storage);
    }

    public int Workers { get; private init; }

    /// <summary>
    /// A Hangfire server with <paramref name="workers"/> workers on its own schema. Commits are synchronous
    /// (<c>synchronous_commit=on</c>), so a finished job survives a crash of PostgreSQL, as an acknowledged
    /// Ledger append survives one of Ledger. Workers poll every 100 ms; long polling (LISTEN/NOTIFY) wakes every
    /// worker on each enqueue and measured no better here, and more workers only contend on the queue's
    /// <c>FOR UPDATE SKIP LOCKED</c> on 2 cores (32 measured best of 8, 16, 32, 64).
    /// </summary>
    public static HangfirePeer Start(string connectionString, int workers, Func<int, byte[]> keyOf)
    {
        HangfireWebhookJob.KeyOf = keyOf;
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Options = "-c synchronous_commit=on",
            MaxPoolSize = Math.Max(100, workers + 20),
        };
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire_" + Guid.NewGuid().ToString("N")[..10],
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = TimeSpan.FromMilliseconds(100),

        };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(builder.ConnectionString, options), options);
        var server = new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                WorkerCount = workers,
                ServerName = "bench-" + Environment.ProcessId,
                SchedulePollingInterval = TimeSpan.FromSeconds(1),
            },
            storage);
        return new HangfirePeer(storage, server) { Workers = workers };
    }

    /// <summary>Enqueues one job per post with <paramref name="enqueuers"/> threads; returns when all are enqueued.</summary>
    public Task EnqueueAllAsync(Post[] posts, int enqueuers, CancellationToken cancellationToken) =>
        Task.Run(() => Parallel.For(0, posts.Length, new ParallelOptions { MaxDegreeOfParallelism = enqueuers, CancellationToken = cancellationToken }, i => Enqueue(posts[i])), cancellationToken);

    public string Enqueue(Post post)
    {
        var url = post.Url;
        var receiver = post.Receiver;
        var id = post.MessageId;
        var body = Encoding.UTF8.GetString(post.Body);
        return _client.Enqueue(() => HangfireWebhookJob.SendAsync(url, receiver, id, body, CancellationToken.None));
    }

    public long Succeeded() => _storage.GetMonitoringApi().SucceededListCount();

    /// <summary>Waits until <paramref name="count"/> jobs have succeeded (polls the storage), or the time runs out.</summary>
    public async Task<bool> WaitForSucceededAsync(long count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Succeeded() >= count)
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }

    public void Dispose()
    {
        _server.SendStop();
        _server.WaitForShutdown(TimeSpan.FromSeconds(5));
        _server.Dispose();
    }
}

/// <summary>The job: sign, POST, throw on non-2xx (Hangfire's automatic retry does the rest).</summary>
public static class HangfireWebhookJob
{
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    public static Func<int, byte[]> KeyOf { get; set; } = _ => throw new InvalidOperationException("no keys");

    /// <param name="cancellationToken">Hangfire passes its shutdown token here (the enqueued value is a placeholder).</param>
    [AutomaticRetry(Attempts = 5)]
    public static async Task SendAsync(string url, int receiver, string messageId, string body, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Version = HttpVersion.Version11, Content = new ByteArrayContent(bytes) };
        message.Content.Headers.ContentType = Json;
        Signing.AddHeaders(message, KeyOf(receiver), messageId, bytes);
        using var response = await Client.SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"receiver answered {(int)response.StatusCode}", null, response.StatusCode);
        }
    }
}
