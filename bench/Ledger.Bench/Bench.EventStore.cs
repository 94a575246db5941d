using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ledger.EventStore;
using Ledger.EventStore.Postgres;

namespace Ledger.Bench;

/// <summary>
/// (h) the event store alone on PostgreSQL: Ledger's adapter and Marten on the same server in one run, each in a
/// database of its own. Append throughput with expected versions over many streams (16 writers, batches of 1, 10
/// and 100 events), append → follower latency at a steady 200 events/s, and the follower's delay for an event
/// committed right after a rolled-back append.
/// </summary>
public sealed partial class Bench
{
    public const string LedgerStore = "ledger-pg-store";
    public const string Marten = "marten-pg";

    private const int StoreWriters = 16;
    private const int StreamsPerWriter = 50;
    private const int FollowRate = 200;

    private static readonly int[] BatchSizes = [1, 10, 100];

    private TimeSpan AppendWindow => TimeSpan.FromSeconds(options.Quick ? 1.5 : 8);

    private int FollowEvents => FollowRate * (options.Quick ? 2 : 10);

    private int Rollbacks => options.Quick ? 3 : 10;

    private async Task EventStoreAsync()
    {
        if (options.Postgres is null)
        {
            results.Note("h", "no PostgreSQL (LEDGER_TEST_POSTGRES unset): the event-store scenario was not run");
            return;
        }
        var marten = await MeasureStoreAsync(Marten, await MartenTarget.StartAsync(await CreateDatabaseAsync(options.Postgres, $"marten_bench_{_run}")));
        var ledger = await MeasureStoreAsync(LedgerStore, await LedgerTarget.StartAsync(await CreateDatabaseAsync(options.Postgres, $"store_bench_{_run}")));
        foreach (var size in BatchSizes)
        {
            var metric = $"append-{size}/s";
            AddStoreFigure(Marten, metric, marten[metric], "events/s", null, null);
            var ratio = Ratio(ledger[metric], marten[metric]);
            AddStoreFigure(LedgerStore, metric, ledger[metric], "events/s", "≥ 2× Marten", ratio >= 2);
        }
        foreach (var metric in new[] { "follow-p50", "follow-p99" })
        {
            AddStoreFigure(Marten, metric, marten[metric], "ms", null, null);
            AddStoreFigure(LedgerStore, metric, ledger[metric], "ms", metric == "follow-p99" ? "≤ ½ Marten" : null,
                metric == "follow-p99" ? ledger[metric] <= marten[metric] / 2 : null);
        }
        AddStoreFigure(Marten, "after-rollback", marten["after-rollback"], "ms", null, null);
        AddStoreFigure(LedgerStore, "after-rollback", ledger["after-rollback"], "ms", "no stall (≤ follow-p99 + 10 ms)",
            ledger["after-rollback"] <= ledger["follow-p99"] + 10);
    }

    private void AddStoreFigure(string system, string metric, double value, string unit, string? target, bool? met)
    {
        var peer = system == Marten ? null : results.Find("h", Marten, metric)?.Value;
        results.Add(new Figure("h", system, metric, value, unit, system == Marten ? null : Ratio(value, peer), system == Marten ? null : Marten, target, met,
            new Dictionary<string, double> { ["writers"] = StoreWriters, ["loadAverage"] = LoadAverage() }));
    }

    private async Task<Dictionary<string, double>> MeasureStoreAsync(string name, IStoreTarget target)
    {
        await using var _ = target;
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        var run = 0;
        foreach (var size in BatchSizes)
        {
            run++;
            var appended = 0L;
            var stop = Stopwatch.StartNew();
            var writers = Enumerable.Range(0, StoreWriters).Select(w => Task.Run(async () =>
            {
                var versions = new long[StreamsPerWriter];
                for (var i = 0; stop.Elapsed < AppendWindow; i++)
                {
                    var s = i % StreamsPerWriter;
                    var events = Enumerable.Range(0, size).Select(n => n).ToArray();
                    await target.AppendAsync($"bench-{run}-{w}-{s}", versions[s], events);
                    versions[s] += size;
                    Interlocked.Add(ref appended, size);
                }
            })).ToArray();
            await Task.WhenAll(writers);
            figures[$"append-{size}/s"] = appended / stop.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(h) {name}: {appended} events in batches of {size}"));
        }

        var issued = new long[FollowEvents + Rollbacks + 1];
        var seen = new ConcurrentDictionary<int, long>();
        target.Seen = n =>
        {
            if (n >= 0)
            {
                seen.TryAdd(n, Stopwatch.GetTimestamp());
            }
        };
        // The append phase above wrote several times more WAL for the faster store; a checkpoint PostgreSQL starts in
        // the middle of the follow phase stalls whoever is measured then. Each follow phase starts after one, so both
        // stores are measured on the same footing.
        await ExecutePostgresAsync(options.Postgres!, "CHECKPOINT");
        await target.StartFollowingAsync();
        // The follower first catches up with the appends above (Marten's subscription starts at the beginning).
        var warmUp = FollowEvents + Rollbacks;
        await target.AppendAsync("follow-warm-up", -1, [warmUp]);
        await WaitSeenAsync(seen, warmUp, 1, TimeSpan.FromSeconds(120));
        var clock = Stopwatch.StartNew();
        var appends = new List<Task>();
        for (var n = 0; n < FollowEvents; n++)
        {
            var due = TimeSpan.FromSeconds((double)n / FollowRate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
            var index = n;
            issued[index] = Stopwatch.GetTimestamp();
            appends.Add(target.AppendAsync($"follow-{index}", -1, [index]));
        }
        await Task.WhenAll(appends);
        await WaitSeenAsync(seen, 0, FollowEvents, TimeSpan.FromSeconds(30));
        var latencies = Enumerable.Range(0, FollowEvents).Select(n => seen.TryGetValue(n, out var at) ? Stopwatch.GetElapsedTime(issued[n], at).TotalMilliseconds : double.PositiveInfinity).ToArray();
        figures["follow-p50"] = Stats.Percentile(latencies, 0.5);
        figures["follow-p99"] = Stats.Percentile(latencies, 0.99);

        var delays = new List<double>();
        for (var r = 0; r < Rollbacks; r++)
        {
            var index = FollowEvents + r;
            await target.RolledBackAppendAsync($"rollback-{r}");
            issued[index] = Stopwatch.GetTimestamp();
            await target.AppendAsync($"after-rollback-{r}", -1, [index]);
            await WaitSeenAsync(seen, index, 1, TimeSpan.FromSeconds(30));
            delays.Add(seen.TryGetValue(index, out var at) ? Stopwatch.GetElapsedTime(issued[index], at).TotalMilliseconds : double.PositiveInfinity);
        }
        figures["after-rollback"] = delays.Max();
        return figures;
    }

    /// <summary>Waits until the follower has seen events <paramref name="from"/> to <paramref name="from"/> + <paramref name="count"/> - 1.</summary>
    private static async Task WaitSeenAsync(ConcurrentDictionary<int, long> seen, int from, int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Enumerable.Range(from, count).Any(n => !seen.ContainsKey(n)) && clock.Elapsed < timeout)
        {
            await Task.Delay(1);
        }
    }

    /// <summary>One event store as scenario (h) drives it. Versions: how many events the stream holds before the append (-1: do not check).</summary>
    private interface IStoreTarget : IAsyncDisposable
    {
        Action<int>? Seen { get; set; }

        Task AppendAsync(string stream, long count, int[] events);

        Task RolledBackAppendAsync(string stream);

        Task StartFollowingAsync();
    }

    private sealed class LedgerTarget(PostgresEventStore store) : IStoreTarget
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _follower = Task.CompletedTask;

        public Action<int>? Seen { get; set; }

        public static async Task<LedgerTarget> StartAsync(string connectionString) => new(await PostgresEventStore.CreateAsync(connectionString));

        public Task AppendAsync(string stream, long count, int[] events) => store.AppendAsync(
            [new StreamAppend(stream, count < 0 ? ExpectedVersion.Any : count == 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(count - 1), [.. events.Select(Ping)])]);

        /// <summary>A batch whose second stream's expected version is wrong: the store rolls the whole transaction back.</summary>
        public async Task RolledBackAppendAsync(string stream)
        {
            try
            {
                await store.AppendAsync([new StreamAppend(stream, ExpectedVersion.Any, Ping(-1)), new StreamAppend(stream + "-b", ExpectedVersion.At(5), Ping(-1))]);
            }
            catch (WrongExpectedVersionException)
            {
            }
        }

        public async Task StartFollowingAsync()
        {
            var head = await store.ReadHeadPositionAsync();
            _follower = Task.Run(() => FollowAsync(head, _stop.Token));
        }

        private async Task FollowAsync(long position, CancellationToken cancellationToken)
        {
            try
            {
                while (true)
                {
                    var batch = await store.ReadAllAsync(position, 1000, cancellationToken);
                    if (batch.Count == 0)
                    {
                        await store.WaitForEventsAsync(position, cancellationToken);
                        continue;
                    }
                    foreach (var e in batch)
                    {
                        Seen?.Invoke(int.Parse(e.Data.AsSpan(5, e.Data.Length - 6), CultureInfo.InvariantCulture));
                    }
                    position = batch[^1].Position;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private static NewEvent Ping(int n) => new("bench.ping.v1", $"{{\"n\":{n.ToString(CultureInfo.InvariantCulture)}}}", DateTimeOffset.UtcNow);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _follower;
            await store.DisposeAsync();
            _stop.Dispose();
        }
    }

    private sealed class MartenTarget(MartenPeer peer, string connectionString) : IStoreTarget
    {
        public Action<int>? Seen
        {
            get => peer.Subscription.Seen;
            set => peer.Subscription.Seen = value;
        }

        public static async Task<MartenTarget> StartAsync(string connectionString) => new(await MartenPeer.StartAsync(connectionString, "marten_bench"), connectionString);

        public Task AppendAsync(string stream, long count, int[] events) =>
            count < 0 ? peer.AppendAnyAsync(stream, [.. events.Select(n => new StorePing(n))]) : peer.AppendAsync(stream, count, [.. events.Select(n => new StorePing(n))]);

        public Task RolledBackAppendAsync(string stream) => peer.RolledBackAppendAsync(connectionString, stream);

        public Task StartFollowingAsync() => peer.StartDaemonAsync();

        public ValueTask DisposeAsync() => peer.DisposeAsync();
    }
}
