using System.Diagnostics;

namespace Ledger.Bench;

/// <summary>(c) 100,000 distinct keys queued at once: the server's resident memory.</summary>
public sealed partial class Bench
{
    private const int ScaleReceiver = 2;
    private const double ScaleTargetMiB = 300;

    /// <summary>
    /// One webhook; the receiver holds every request (so the first attempts stay in flight and everything else
    /// queues) while one event on each of N distinct keys is published. Memory is read from /proc once all N are
    /// queued, then the receiver lets go and the backlog drains; the peak (VmHWM) covers both.
    /// </summary>
    private async Task ScaleAsync()
    {
        var keys = options.ScaleKeys;
        var hold = options.Quick ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(240);
        var settings = new Dictionary<string, string> { ["Ledger__Delivery__TimeoutSeconds"] = ((int)hold.TotalSeconds + 30).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var server = await StartLedgerAsync("c", settings: settings);
        var (_, secret) = await server!.CreateWebhookAsync(_receivers.Url(ScaleReceiver));
        SetKey(ScaleReceiver, secret);

        _receivers.Reset();
        var warmUp = Workload.Trades(_run + "cw", options.Quick ? 200 : 1_000, 100, _ => [ScaleReceiver]);
        await RunLedgerAsync(server, warmUp, warmUp.Count, () => _receivers.Ok, options.RunCap);
        await Task.Delay(500);
        var (idleRss, _) = server.Memory();

        _receivers.Reset();
        _receivers.CloseGate(hold);
        var events = Workload.Trades(_run + "c", keys, keys, _ => [ScaleReceiver]);
        var clock = Stopwatch.StartNew();
        await server.PublishAllAsync([.. events.Select(e => e.PublishBody)], options.Publishers, CancellationToken.None);
        var publishSeconds = clock.Elapsed.TotalSeconds;
        using (var queued = new CancellationTokenSource(options.RunCap))
        {
            await UntilAsync(async () => await server.QueueDepthAsync() >= keys, queued.Token);
        }
        var queueSeconds = clock.Elapsed.TotalSeconds;
        var depth = await server.QueueDepthAsync();
        var (queuedRss, queuedPeak) = server.Memory();

        var drainClock = Stopwatch.StartNew();
        var recordedBefore = await server.RecordedOkAttemptsAsync();
        _receivers.OpenGate();
        using (var drained = new CancellationTokenSource(options.Quick ? options.RunCap : TimeSpan.FromSeconds(150)))
        {
            await Until(() => _receivers.Ok >= keys, drained.Token);
            await UntilAsync(async () => await server.RecordedOkAttemptsAsync() - recordedBefore >= keys, drained.Token);
        }
        var drainSeconds = drainClock.Elapsed.TotalSeconds;
        var drainedCount = Math.Min(_receivers.Ok, keys);
        var (afterRss, peak) = server.Memory();

        var details = new Dictionary<string, double>
        {
            ["keys"] = keys,
            ["queueDepthSeen"] = depth,
            ["idleRssMiB"] = idleRss,
            ["queuedRssMiB"] = queuedRss,
            ["peakRssWhileQueuedMiB"] = queuedPeak,
            ["peakRssThroughDrainMiB"] = peak,
            ["rssAfterDrainMiB"] = afterRss,
            ["publishSeconds"] = publishSeconds,
            ["publishPerSecond"] = keys / Math.Max(publishSeconds, 1e-6),
            ["queuedAfterSeconds"] = queueSeconds,
            ["drainSeconds"] = drainSeconds,
            ["drainedDeliveries"] = drainedCount,
            ["drainPerSecond"] = drainedCount / Math.Max(drainSeconds, 1e-6),
        };
        results.Add(new Figure("c", LedgerSqlite, "rss-100k-keys", queuedPeak, "MiB", Ratio(queuedPeak, idleRss), "the same server idle",
            $"< {ScaleTargetMiB:0} MB resident", queuedPeak < ScaleTargetMiB && depth >= keys, details));
        results.Add(new Figure("c", LedgerSqlite, "peak-rss-incl-drain", peak, "MiB", Ratio(peak, idleRss), "the same server idle",
            $"< {ScaleTargetMiB:0} MB resident", peak < ScaleTargetMiB));
        results.Add(new Figure("c", LedgerSqlite, "drain-100k-keys", drainedCount / Math.Max(drainSeconds, 1e-6), "deliveries/s",
            Ratio(drainedCount / Math.Max(drainSeconds, 1e-6), BaselineRate("a")), "baseline (a)"));
    }
}
