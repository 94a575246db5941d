using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Postgres;
using Ledger.EventStore.Sqlite;

namespace Ledger.Bench;

/// <summary>
/// The floor under (a) for any service that takes a publish over HTTP and delivers it later: a relay with Ledger's
/// public shape (<c>POST /v1/webhooks</c>, <c>POST /v1/events</c> answered 202, <c>/metrics</c>) and nothing else.
/// It runs as its own process (<c>Ledger.Bench.dll --relay MODE</c>), so its CPU is measured as the server's is.
/// <list type="bullet">
/// <item><c>memory</c>: the publish is queued in memory, acknowledged, then signed and POSTed by 512 workers — the
/// cost of the HTTP hop in front of the sender, with no durability at all.</item>
/// <item><c>sqlite</c> / <c>postgres</c>: the same, plus Ledger's own event store — the <c>EventPublished</c>
/// appended before the 202, the <c>AttemptSucceeded</c> + <c>DeliveryCompleted</c> appended before the attempt
/// counts — so exactly the durable writes a delivery cannot do without, group-committed by the store.</item>
/// </list>
/// No ordering, no retries, no read models, no fan-out stage: each of those only adds to what this measures, so
/// a Ledger throughput above the relay's is impossible, and the relay's ratio to the baseline bounds (a)'s.
/// </summary>
public static class RelayFloor
{
    private const string Tenant = "default";
    private const int Workers = 512;

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var mode = builder.Configuration["relay"] ?? "memory";
        await using var store = mode switch
        {
            "memory" => null,
            "sqlite" => SqliteEventStore.Open(Path.Combine(builder.Configuration["data"] ?? Path.GetTempPath(), "relay.db")),
            "postgres" => (IEventStore)await PostgresEventStore.CreateAsync(builder.Configuration["postgres"]
                ?? throw new ArgumentException("--postgres CONNECTION is required in postgres mode")),
            _ => throw new ArgumentException($"unknown relay mode {mode}: memory, sqlite or postgres"),
        };
        var app = builder.Build();
        var relay = new Relay(store);
        app.MapPost("/v1/webhooks", relay.CreateWebhookAsync);
        app.MapPost("/v1/events", relay.PublishAsync);
        app.MapGet("/metrics", relay.Metrics);
        var workers = Enumerable.Range(0, Workers).Select(_ => relay.SendLoopAsync(app.Lifetime.ApplicationStopping)).ToArray();
        await app.RunAsync();
        relay.Complete();
        await Task.WhenAll(workers);
        return 0;
    }

    private sealed record Hook(string Id, string Url, byte[] Key, string[] Events)
    {
        /// <summary>Ledger's patterns, as far as the benchmark uses them: exact types and <c>prefix.*</c>.</summary>
        public bool Wants(string type) => Events.Any(p => p == "*" || p == type || (p.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(p[..^1], StringComparison.Ordinal)));
    }

    private readonly record struct Job(Hook Hook, string EventId, string DeliveryId, string? OrderingKey, byte[] Body);

    private sealed class Relay(IEventStore? store)
    {
        private readonly Channel<Job> _jobs = Channel.CreateUnbounded<Job>();
        private readonly BaselineSender _sender = new();

        private volatile Hook[] _hooks = [];
        private long _ok;
        private long _failed;
        private long _deliveries;

        public async Task<IResult> CreateWebhookAsync(HttpRequest request)
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            var secret = Signing.NewSecret();
            var root = body.RootElement;
            string[] events = root.TryGetProperty("events", out var list) ? [.. list.EnumerateArray().Select(e => e.GetString()!)] : ["*"];
            var hook = new Hook("wh_" + Guid.NewGuid().ToString("N"), root.GetProperty("url").GetString()!, Signing.KeyOf(secret), events);
            lock (this)
            {
                _hooks = [.. _hooks, hook];
            }
            return Results.Json(new Dictionary<string, string> { ["id"] = hook.Id, ["secret"] = secret }, statusCode: 201);
        }

        public async Task<IResult> PublishAsync(HttpRequest request)
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            var root = body.RootElement;
            var id = root.GetProperty("id").GetString()!;
            var type = root.GetProperty("type").GetString()!;
            var key = root.TryGetProperty("orderingKey", out var k) ? k.GetString() : null;
            var now = DateTimeOffset.UtcNow;
            var envelope = Workload.Envelope(id, type, now, root.GetProperty("data").GetRawText());
            var hooks = _hooks.Where(h => h.Wants(type));
            var jobs = hooks.Select(h => new Job(h, id, "dlv_" + Interlocked.Increment(ref _deliveries).ToString(CultureInfo.InvariantCulture), key, envelope)).ToArray();
            if (store is not null)
            {
                var published = new EventPublished(id, type, root.GetProperty("data").Clone(), null, null, key, now,
                    [.. jobs.Select(j => new PlannedDelivery(j.DeliveryId, j.Hook.Id))]);
                await store.AppendAsync([new StreamAppend(Streams.Tenant(new TenantId(Tenant)), ExpectedVersion.Any, EventSerializer.ToNew(published, now, id))]);
            }
            foreach (var job in jobs)
            {
                _jobs.Writer.TryWrite(job);
            }
            return Results.Json(new Dictionary<string, string> { ["id"] = id }, statusCode: 202);
        }

        public string Metrics() => string.Create(CultureInfo.InvariantCulture,
            $"ledger_attempts_total{{outcome=\"ok\"}} {Interlocked.Read(ref _ok)}\nledger_attempts_total{{outcome=\"failed\"}} {Interlocked.Read(ref _failed)}\n");

        public void Complete() => _jobs.Writer.TryComplete();

        public async Task SendLoopAsync(CancellationToken stopping)
        {
            try
            {
                await foreach (var job in _jobs.Reader.ReadAllAsync(stopping))
                {
                    var started = DateTimeOffset.UtcNow;
                    if (!await _sender.SendAsync(new Post(0, job.Hook.Url, job.EventId, job.Body), job.Hook.Key, stopping))
                    {
                        Interlocked.Increment(ref _failed);
                        continue;
                    }
                    if (store is not null)
                    {
                        var now = DateTimeOffset.UtcNow;
                        var lane = Streams.Delivery(new WebhookId(job.Hook.Id), job.OrderingKey);
                        await store.AppendAsync([new StreamAppend(lane, ExpectedVersion.Any,
                            EventSerializer.ToNew(new AttemptSucceeded(job.DeliveryId, 1, started, (int)(now - started).TotalMilliseconds, 200, null), now),
                            EventSerializer.ToNew(new DeliveryCompleted(job.DeliveryId, now), now))], stopping);
                    }
                    Interlocked.Increment(ref _ok);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
        }
    }
}
