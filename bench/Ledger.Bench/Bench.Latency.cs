using System.Diagnostics;

namespace Ledger.Bench;

/// <summary>(e) publish → first attempt latency at a fixed 1,000 events/s.</summary>
public sealed partial class Bench
{
    private const int LatencyReceiver = 3;
    private const double LatencyTargetMs = 25;

    private async Task LatencyAsync()
    {
        var count = options.LatencyRate * options.LatencySeconds;
        var events = Workload.Trades(_run + "e", count, 100, _ => [LatencyReceiver]);
        var warmUp = Workload.Trades(_run + "ew", options.LatencyRate, 100, _ => [LatencyReceiver]);
        foreach (var onPostgres in new[] { false, true })
        {
            await using var server = await StartLedgerAsync("e", onPostgres);
            if (server is null)
            {
                continue;
            }
            var (_, secret) = await server.CreateWebhookAsync(_receivers.Url(LatencyReceiver));
            SetKey(LatencyReceiver, secret);
            if (!onPostgres)
            {
                var posts = Workload.Posts(events, _receivers.Url);
                var warmPosts = Workload.Posts(warmUp, _receivers.Url);
                await OpenLoopAsync([.. warmPosts.Select(p => p.MessageId)], i => _baseline.SendAsync(warmPosts[i], KeyOf(LatencyReceiver), CancellationToken.None));
                var direct = await OpenLoopAsync([.. posts.Select(p => p.MessageId)], i => _baseline.SendAsync(posts[i], KeyOf(LatencyReceiver), CancellationToken.None));
                AddLatency(Baseline, direct, null);
            }
            await WarmUpLedgerAsync(server, "e");
            await OpenLoopAsync([.. warmUp.Select(e => e.Id)], i => server.PublishAsync(warmUp[i].PublishBody));
            var ledger = await OpenLoopAsync([.. events.Select(e => e.Id)], i => server.PublishAsync(events[i].PublishBody));
            AddLatency(onPostgres ? LedgerPostgres : LedgerSqlite, ledger, LatencyTargetMs);

            // The same at a tenth of the rate: the pipeline's own latency, without the queueing of an overloaded publish path.
            var light = Workload.Trades(_run + "el", Math.Max(100, count / 20), 100, _ => [LatencyReceiver]);
            var lightRun = await OpenLoopAsync([.. light.Select(e => e.Id)], i => server.PublishAsync(light[i].PublishBody), options.LatencyRate / 10.0);
            var lightP99 = Stats.Percentile([.. lightRun.Latencies.Concat(Enumerable.Repeat(double.PositiveInfinity, lightRun.Sent - lightRun.Latencies.Count))], 0.99);
            results.Add(new Figure("e", onPostgres ? LedgerPostgres : LedgerSqlite, "p99-at-100/s", lightP99, "ms", Ratio(lightP99, results.Find("e", Baseline, "p99")?.Value), Baseline,
                Details: new Dictionary<string, double> { ["events"] = lightRun.Sent, ["p50Ms"] = Stats.Percentile(lightRun.Latencies, 0.5), ["offeredPerSecond"] = lightRun.OfferedRate }));
        }

        using var peer = StartHangfire("e");
        if (peer is null)
        {
            return;
        }
        // Two seconds of offered load: the peer drains far below 1,000/s, and what has not arrived by the cap counts as never.
        var peerPosts = Workload.Posts(events.Take(options.LatencyRate * 2), _receivers.Url);
        var peerWarmUp = Workload.Posts(warmUp.Take(200), _receivers.Url);
        // Enqueue blocks on the database: at most as many at once as there are producers, as in an application.
        using var producers = new SemaphoreSlim(options.Publishers);
        async Task EnqueueAsync(Post post)
        {
            await producers.WaitAsync();
            try
            {
                await Task.Run(() => peer.Enqueue(post));
            }
            finally
            {
                producers.Release();
            }
        }
        await OpenLoopAsync([.. peerWarmUp.Select(p => p.MessageId)], i => EnqueueAsync(peerWarmUp[i]));
        var hangfire = await OpenLoopAsync([.. peerPosts.Select(p => p.MessageId)], i => EnqueueAsync(peerPosts[i]));
        AddLatency(Hangfire, hangfire, null);
    }

    private void AddLatency(string system, LatencyRun run, double? targetMs)
    {
        // An event that never arrived within the wait is slower than any that did.
        var all = run.Latencies.Concat(Enumerable.Repeat(double.PositiveInfinity, run.Sent - run.Latencies.Count)).ToList();
        var p50 = Stats.Percentile(all, 0.50);
        var p99 = Stats.Percentile(all, 0.99);
        var baseline = results.Find("e", Baseline, "p99");
        var details = new Dictionary<string, double>
        {
            ["events"] = run.Sent,
            ["received"] = run.Latencies.Count,
            ["offeredPerSecond"] = run.OfferedRate,
            ["p50Ms"] = p50,
            ["p90Ms"] = Stats.Percentile(all, 0.90),
            ["p99Ms"] = p99,
            ["maxArrivedMs"] = run.Latencies.Count == 0 ? double.NaN : run.Latencies.Max(),
            ["neverArrived"] = run.Sent - run.Latencies.Count,
            ["sendP50Ms"] = Stats.Percentile(run.SendLatencies, 0.50),
            ["sendP99Ms"] = Stats.Percentile(run.SendLatencies, 0.99),
        };
        var isBaseline = system == Baseline;
        results.Add(new Figure("e", system, "p50", p50, "ms", isBaseline ? 1.0 : Ratio(p50, results.Find("e", Baseline, "p50")?.Value), Baseline, Details: details));
        results.Add(new Figure("e", system, "p99", p99, "ms", isBaseline ? 1.0 : Ratio(p99, baseline?.Value), Baseline,
            targetMs is { } t ? $"p99 < {t:0} ms at 1,000 events/s" : null, targetMs is { } limit ? p99 < limit && run.Latencies.Count == run.Sent : null));
    }

    private sealed record LatencyRun(int Sent, double OfferedRate, List<double> Latencies, List<double> SendLatencies);

    /// <summary>
    /// Open loop: the i-th send is due at i / rate seconds whatever the earlier ones are doing. Latency is from that
    /// moment to the receiver's first arrival of that id, so time spent waiting to be sent counts too.
    /// </summary>
    private async Task<LatencyRun> OpenLoopAsync(string[] ids, Func<int, Task> send, double? eventsPerSecond = null)
    {
        _receivers.Reset();
        _receivers.TrackFirstReceipt = true;
        var rate = eventsPerSecond ?? options.LatencyRate;
        var started = new long[ids.Length];
        var acknowledged = new long[ids.Length];
        var sends = new Task[ids.Length];
        var clock = Stopwatch.StartNew();
        var begin = Stopwatch.GetTimestamp();
        var next = 0;
        while (next < ids.Length && clock.Elapsed < options.RunCap)
        {
            var due = Math.Min(ids.Length, (int)(clock.Elapsed.TotalSeconds * rate) + 1);
            for (; next < due; next++)
            {
                var i = next;
                // Measured from when the send was due, not from when it got going: no coordinated omission.
                started[i] = begin + (long)(i / rate * Stopwatch.Frequency);
                sends[i] = Task.Run(async () =>
                {
                    await send(i);
                    acknowledged[i] = Stopwatch.GetTimestamp();
                });
            }
            await Task.Delay(1);
        }
        var offered = next / Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
        try
        {
            await Task.WhenAll(sends.Take(next)).WaitAsync(options.Quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(30));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or HttpRequestException)
        {
            results.Note("e", $"some sends failed or hung: {ex.Message}");
        }
        using (var wait = new CancellationTokenSource(options.Quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(30)))
        {
            await Until(() => _receivers.FirstReceipts.Count >= next, wait.Token);
        }
        var receipts = _receivers.FirstReceipts;
        var latencies = new List<double>(next);
        var sendLatencies = new List<double>(next);
        for (var i = 0; i < next; i++)
        {
            if (receipts.TryGetValue(ids[i], out var at))
            {
                latencies.Add(Stopwatch.GetElapsedTime(started[i], at).TotalMilliseconds);
            }
            if (acknowledged[i] != 0)
            {
                sendLatencies.Add(Stopwatch.GetElapsedTime(started[i], acknowledged[i]).TotalMilliseconds);
            }
        }
        _receivers.TrackFirstReceipt = false;
        return new LatencyRun(next, offered, latencies, sendLatencies);
    }
}
