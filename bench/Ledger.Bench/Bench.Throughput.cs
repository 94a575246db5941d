using System.Diagnostics;
using System.Globalization;

namespace Ledger.Bench;

/// <summary>(a) sustained throughput, (b) fan-out, (d) isolation.</summary>
public sealed partial class Bench
{
    private const int ThroughputReceiver = 1;
    private const int FanOutFirstReceiver = 10_000;
    private const int IsolationFirstReceiver = 20_000;
    private const int WarmUpReceiver = 9_999;

    /// <summary>(b)'s target: one event to 1,000 webhooks at half the baseline's rate or better.</summary>
    public const double FanOutTarget = 0.5;

    /// <summary>(a)'s target as a ratio to the baseline: 0.6× on SQLite, 0.5× on PostgreSQL (its appends cross a network).</summary>
    public static double RequiredThroughputRatio(string system) => system == LedgerPostgres ? 0.5 : 0.6;

    /// <summary>(a) 1 webhook × 1,000 ordering keys, receivers answering at once.</summary>
    private async Task ThroughputAsync()
    {
        var events = Workload.Trades(_run + "a", options.ThroughputEvents, options.ThroughputKeys, _ => [ThroughputReceiver]);
        var warmUp = Workload.Trades(_run + "aw", Math.Min(2_000, options.ThroughputEvents / 2), options.ThroughputKeys, _ => [ThroughputReceiver]);
        var posts = Workload.Posts(events, _receivers.Url);
        DeliveryRun? ledger = null;
        foreach (var onPostgres in new[] { false, true })
        {
            await using var server = await StartLedgerAsync("a", onPostgres);
            if (server is null)
            {
                continue;
            }
            var (_, secret) = await server.CreateWebhookAsync(_receivers.Url(ThroughputReceiver));
            SetKey(ThroughputReceiver, secret);
            if (!onPostgres)
            {
                await RunBaselineAsync(Workload.Posts(warmUp, _receivers.Url));
                var baseline = await RunBaselineAsync(posts);
                results.Add(new Figure("a", Baseline, "throughput", baseline.Rate, "deliveries/s", 1.0, Baseline, Details: baseline.Details()));
            }
            await WarmUpLedgerAsync(server, "a");
            var run = await RunLedgerAsync(server, events, events.Count, () => _receivers.Ok, options.RunCap);
            var ratio = Ratio(run.Rate, BaselineRate("a"));
            var details = run.Details();
            var (rss, peak) = server.Memory();
            details["serverRssMiB"] = rss;
            details["serverPeakRssMiB"] = peak;
            details["badSignatures"] = _receivers.BadSignatures;
            var required = RequiredThroughputRatio(onPostgres ? LedgerPostgres : LedgerSqlite);
            results.Add(new Figure("a", onPostgres ? LedgerPostgres : LedgerSqlite, "throughput", run.Rate, "deliveries/s", ratio, Baseline,
                string.Create(CultureInfo.InvariantCulture, $"≥ {required}× baseline, every attempt in the ledger"), ratio >= required && run.Completed, details));
            ledger ??= run;
        }
        await RelayFloorAsync(events);

        using var peer = StartHangfire("a");
        if (peer is null)
        {
            return;
        }
        _receivers.Reset();
        var peerWarmUp = options.Quick ? 100 : 500;
        await RunHangfireAsync(peer, Workload.Posts(warmUp.Take(peerWarmUp), _receivers.Url), peerWarmUp, () => _receivers.Ok, options.PeerCap);
        _receivers.Reset();
        var hangfire = await RunHangfireAsync(peer, posts, posts.Length, () => _receivers.Ok, options.PeerCap);
        var hangfireDetails = hangfire.Details();
        hangfireDetails["workers"] = peer.Workers;
        results.Add(new Figure("a", Hangfire, "throughput", hangfire.Rate, "deliveries/s", Ratio(hangfire.Rate, BaselineRate("a")), Baseline, Details: hangfireDetails,
            Note: hangfire.Completed ? null : "cut at the time cap; the rate is over what was delivered by then"));
        if (ledger is not null)
        {
            var versus = ledger.Rate / Math.Max(hangfire.Rate, 1e-6);
            results.Add(new Figure("a", LedgerSqlite, "vs-hangfire", versus, "×", versus, Hangfire, "≥ 3× the Hangfire peer", versus >= 3));
        }
    }

    /// <summary>
    /// (a)'s floor: <see cref="RelayFloor"/> (publish over HTTP, 202, signed POST; in memory, then with Ledger's own
    /// SQLite and PostgreSQL event stores holding the two durable appends a delivery needs) on the same workload,
    /// warmed up the same way. Whatever Ledger adds to this is its pipeline; what the relay misses of the baseline
    /// no pipeline can win back.
    /// </summary>
    private async Task RelayFloorAsync(List<BenchEvent> events)
    {
        foreach (var mode in new[] { "memory", "sqlite", "postgres" })
        {
            string? postgres = null;
            if (mode == "postgres")
            {
                if (options.Postgres is null)
                {
                    continue;
                }
                postgres = await CreateDatabaseAsync(options.Postgres, $"relay_bench_{_run}_{Guid.NewGuid().ToString("N")[..6]}");
            }
            await using var relay = await LedgerProcess.StartAsync(options.RepositoryRoot, postgres: postgres, relay: mode);
            var (_, secret) = await relay.CreateWebhookAsync(_receivers.Url(ThroughputReceiver));
            SetKey(ThroughputReceiver, secret);
            await WarmUpLedgerAsync(relay, "a");
            var run = await RunLedgerAsync(relay, events, events.Count, () => _receivers.Ok, options.RunCap);
            var details = run.Details();
            details["serverPeakRssMiB"] = relay.Memory().Peak;
            results.Add(new Figure("a", RelayPrefix + mode, "throughput", run.Rate, "deliveries/s", Ratio(run.Rate, BaselineRate("a")), Baseline, Details: details,
                Note: mode == "memory"
                    ? "floor: publish over HTTP, then a signed POST; nothing durable"
                    : $"floor: publish over HTTP, then a signed POST; EventPublished and the attempt's outcome appended to Ledger's {mode} event store, nothing else"));
        }
    }

    /// <summary>
    /// Brings a server to its steady state before a figure is measured: rounds of (a)'s workload, but of an event type
    /// of their own on a webhook of their own (so the scenario's webhooks see none of it), until
    /// <see cref="BenchOptions.ThroughputWarmUp"/> has passed (one round at least).
    /// </summary>
    private async Task WarmUpLedgerAsync(LedgerProcess server, string scenario)
    {
        var (_, secret) = await server.CreateWebhookAsync(_receivers.Url(WarmUpReceiver), ["warmup.*"]);
        SetKey(WarmUpReceiver, secret);
        var size = Math.Min(2_000, options.ThroughputEvents / 2);
        var started = Stopwatch.StartNew();
        var round = 0;
        do
        {
            var warmUp = Workload.Trades(_run + scenario + "w" + round.ToString(CultureInfo.InvariantCulture), size, options.ThroughputKeys, _ => [WarmUpReceiver], "warmup.completed");
            _receivers.Reset();
            await RunLedgerAsync(server, warmUp, warmUp.Count, () => _receivers.Ok, options.RunCap);
            round++;
        }
        while (started.Elapsed < options.ThroughputWarmUp);
        _receivers.Reset();
        Console.WriteLine($"({scenario}) warm-up: {round} rounds of {size} events in {started.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>(b) one event to every one of 1,000 webhooks (no ordering key: one lane per webhook).</summary>
    private async Task FanOutAsync()
    {
        var count = options.FanOutWebhooks;
        var receivers = Enumerable.Range(FanOutFirstReceiver, count).ToArray();
        var events = Workload.Trades(_run + "b", options.FanOutEvents, 0, _ => receivers);
        var posts = Workload.Posts(events, _receivers.Url);
        var expected = posts.Length;

        await using (var server = await StartLedgerAsync("b"))
        {
            var clock = Stopwatch.StartNew();
            foreach (var receiver in receivers)
            {
                var (_, secret) = await server!.CreateWebhookAsync(_receivers.Url(receiver));
                SetKey(receiver, secret);
            }
            var createSeconds = clock.Elapsed.TotalSeconds;
            await WarmUpLedgerAsync(server!, "b");

            var baseline = await RunBaselineAsync(posts);
            results.Add(new Figure("b", Baseline, "fan-out", baseline.Rate, "deliveries/s", 1.0, Baseline, Details: baseline.Details()));

            // One event alone first: how long until all of its webhooks have it (and the server is warm).
            _receivers.Reset();
            var single = Workload.Trades(_run + "bw", 1, 0, _ => receivers);
            var one = await RunLedgerAsync(server!, single, count, () => _receivers.Ok, options.RunCap);
            _receivers.Reset();
            var run = await RunLedgerAsync(server!, events, expected, () => _receivers.Ok, options.RunCap);
            var details = run.Details();
            details["webhooks"] = count;
            details["oneEventToAllSeconds"] = one.ReceivedAt.TotalSeconds;
            details["createWebhooksSeconds"] = createSeconds;
            details["serverPeakRssMiB"] = server!.Memory().Peak;
            details["badSignatures"] = _receivers.BadSignatures;
            var ratio = Ratio(run.Rate, BaselineRate("b"));
            results.Add(new Figure("b", LedgerSqlite, "fan-out", run.Rate, "deliveries/s", ratio, Baseline, string.Create(CultureInfo.InvariantCulture, $"≥ {FanOutTarget}× baseline"), ratio >= FanOutTarget && run.Completed, details));
        }

        using var peer = StartHangfire("b");
        if (peer is null)
        {
            return;
        }
        _receivers.Reset();
        await RunHangfireAsync(peer, posts.Take(500).ToArray(), 500, () => _receivers.Ok, options.PeerCap);
        _receivers.Reset();
        var hangfire = await RunHangfireAsync(peer, posts, expected, () => _receivers.Ok, options.PeerCap);
        results.Add(new Figure("b", Hangfire, "fan-out", hangfire.Rate, "deliveries/s", Ratio(hangfire.Rate, BaselineRate("b")), Baseline, Details: hangfire.Details(),
            Note: hangfire.Completed ? null : "cut at the time cap; the rate is over what was delivered by then"));
    }

    /// <summary>(d) 20 webhooks × 50 keys, 10% of the webhooks never answer within the 10 s timeout: throughput to the rest.</summary>
    private async Task IsolationAsync()
    {
        var webhooks = options.IsolationWebhooks;
        var slowCount = Math.Max(1, webhooks / 10);
        var now = DateTimeOffset.UtcNow;
        var events = new List<BenchEvent>(options.IsolationEvents);
        for (var n = 0; n < options.IsolationEvents; n++)
        {
            var webhook = n % webhooks;
            var key = string.Create(CultureInfo.InvariantCulture, $"acct-{n / webhooks % options.IsolationKeysPerWebhook:D4}");
            events.Add(new BenchEvent(Workload.EventId(_run + "d", n), $"iso.w{webhook}", key, Workload.TradeData(n, key), now, [IsolationFirstReceiver + webhook]));
        }
        var healthy = Enumerable.Range(IsolationFirstReceiver + slowCount, webhooks - slowCount).ToArray();
        var expected = events.Count(e => e.Receivers[0] >= IsolationFirstReceiver + slowCount);
        string UrlOf(int receiver) => receiver < IsolationFirstReceiver + slowCount ? _receivers.SlowUrl(receiver) : _receivers.Url(receiver);
        long Healthy() => _receivers.CountOf(healthy);

        await using (var server = await StartLedgerAsync("d"))
        {
            for (var w = 0; w < webhooks; w++)
            {
                var (_, secret) = await server!.CreateWebhookAsync(UrlOf(IsolationFirstReceiver + w), [$"iso.w{w}"]);
                SetKey(IsolationFirstReceiver + w, secret);
            }
            await WarmUpLedgerAsync(server!, "d");
            var warmUp = events.Where(e => e.Receivers[0] >= IsolationFirstReceiver + slowCount).Take(options.Quick ? 200 : 1_000)
                .Select((e, i) => new BenchEvent(e.Id + "w" + i, e.Type, e.OrderingKey, Workload.TradeData(i, e.OrderingKey), now, e.Receivers)).ToList();
            await RunLedgerAsync(server!, warmUp, warmUp.Count, Healthy, options.RunCap);
            _receivers.Reset();
            var run = await RunLedgerAsync(server!, events, expected, Healthy, options.RunCap);
            var reference = results.Find("a", LedgerSqlite, "throughput")?.Value;
            var ratio = Ratio(run.Rate, reference);
            var details = run.Details();
            details["slowWebhooks"] = slowCount;
            details["attemptsAtSlowReceivers"] = _receivers.Slow;
            details["ratioToBaselineA"] = Ratio(run.Rate, BaselineRate("a")) ?? double.NaN;
            results.Add(new Figure("d", LedgerSqlite, "healthy-throughput", run.Rate, "deliveries/s", ratio, "ledger-sqlite (a)",
                "≥ 0.8× of (a)", ratio is null ? null : ratio >= 0.8, details));
        }

        using var peer = StartHangfire("d");
        if (peer is null)
        {
            return;
        }
        var posts = Workload.Posts(events, UrlOf);
        _receivers.Reset();
        var hangfire = await RunHangfireAsync(peer, posts, expected, Healthy, options.PeerCap);
        var hangfireDetails = hangfire.Details();
        hangfireDetails["attemptsAtSlowReceivers"] = _receivers.Slow;
        results.Add(new Figure("d", Hangfire, "healthy-throughput", hangfire.Rate, "deliveries/s", Ratio(hangfire.Rate, results.Find("a", Hangfire, "throughput")?.Value), "hangfire-pg (a)",
            Details: hangfireDetails, Note: hangfire.Completed ? null : "cut at the time cap; the rate is over what was delivered by then"));
    }

    private double? BaselineRate(string scenario) => results.Find(scenario, Baseline, scenario == "b" ? "fan-out" : "throughput")?.Value;
}
