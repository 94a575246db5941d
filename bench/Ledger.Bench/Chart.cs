using System.Globalization;
using ScottPlot;

namespace Ledger.Bench;

/// <summary>The PNG of a run: every figure beside its baseline and its target.</summary>
public static class Chart
{
    private static readonly Dictionary<string, Color> Colors = new(StringComparer.Ordinal)
    {
        [Bench.Baseline] = Color.FromHex("#8c8c8c"),
        [Bench.LedgerSqlite] = Color.FromHex("#1f77b4"),
        [Bench.LedgerPostgres] = Color.FromHex("#17becf"),
        [Bench.Hangfire] = Color.FromHex("#ff7f0e"),
        [Bench.RelayPrefix + "memory"] = Color.FromHex("#c7c7c7"),
        [Bench.RelayPrefix + "sqlite"] = Color.FromHex("#aec7e8"),
        [Bench.RelayPrefix + "postgres"] = Color.FromHex("#9edae5"),
    };

    private static readonly Color Met = Color.FromHex("#2ca02c");
    private static readonly Color Missed = Color.FromHex("#d62728");

    public static void Write(BenchResults results, string path, string subtitle)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(6);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 3);
        Throughput(multiplot.GetPlot(0), results);
        Latency(multiplot.GetPlot(1), results);
        Memory(multiplot.GetPlot(2), results);
        Rebuild(multiplot.GetPlot(3), results);
        Query(multiplot.GetPlot(4), results);
        Targets(multiplot.GetPlot(5), results, subtitle);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        multiplot.SavePng(path, 1800, 1050);
    }

    private static void Throughput(Plot plot, BenchResults results)
    {
        var groups = new (string Label, string Scenario, string Metric)[]
        {
            ("(a) 1,000 keys", "a", "throughput"),
            ("(b) fan-out", "b", "fan-out"),
            ("(c) drain 100k", "c", "drain-100k-keys"),
            ("(d) healthy", "d", "healthy-throughput"),
        };
        // (a) also shows the relay floor: what a publish-then-send service without a pipeline reaches here.
        var systems = new[] { Bench.Baseline, Bench.LedgerSqlite, Bench.LedgerPostgres, Bench.Hangfire, Bench.RelayPrefix + "memory", Bench.RelayPrefix + "sqlite", Bench.RelayPrefix + "postgres" };
        var bars = new List<Bar>();
        for (var g = 0; g < groups.Length; g++)
        {
            for (var s = 0; s < systems.Length; s++)
            {
                var figure = results.Find(groups[g].Scenario, systems[s], groups[g].Metric);
                if (figure is null && systems[s] == Bench.Baseline && groups[g].Scenario is "c" or "d")
                {
                    figure = results.Find("a", Bench.Baseline, "throughput");
                }
                if (figure is null)
                {
                    continue;
                }
                var ratio = systems[s] == Bench.Baseline ? "" : figure.Ratio is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:0.00}×") : "";
                bars.Add(new Bar
                {
                    Position = (g * (systems.Length + 1)) + s,
                    Value = figure.Value,
                    FillColor = Colors[systems[s]],
                    Label = ratio,
                });
            }
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(
            [.. groups.Select((_, g) => (g * (systems.Length + 1)) + ((systems.Length - 1) / 2.0))],
            [.. groups.Select(g => g.Label)]);
        plot.Title("Deliveries/s (label: ratio; (d) Ledger to its own (a); relay-*: the floor)", 13);
        plot.Axes.Margins(bottom: 0);
        Legend(plot, systems.Where(system => bars.Any(b => b.FillColor == Colors[system])));
    }

    private static void Latency(Plot plot, BenchResults results)
    {
        var systems = new[] { Bench.Baseline, Bench.LedgerSqlite, Bench.LedgerPostgres, Bench.Hangfire };
        var ledgerMax = new[] { "p50", "p99" }.Select(m => results.Find("e", Bench.LedgerSqlite, m)?.Value ?? 0).Append(25).Max();
        var top = ledgerMax * 1.6;
        var bars = new List<Bar>();
        var metrics = new[] { "p50", "p99" };
        for (var m = 0; m < metrics.Length; m++)
        {
            for (var s = 0; s < systems.Length; s++)
            {
                if (results.Find("e", systems[s], metrics[m]) is not { } figure)
                {
                    continue;
                }
                bars.Add(new Bar
                {
                    Position = (m * (systems.Length + 1)) + s,
                    Value = Math.Min(figure.Value, top * 0.95),
                    FillColor = Colors[systems[s]],
                    Label = double.IsPositiveInfinity(figure.Value) ? "never" : figure.Value.ToString(figure.Value < 10 ? "0.0" : "N0", CultureInfo.InvariantCulture) + (figure.Value > top ? " (cut)" : ""),
                });
            }
        }
        plot.Add.Bars(bars);
        TargetLine(plot, 25, "target p99 < 25 ms");
        plot.Axes.Bottom.SetTicks([1.5, systems.Length + 2.5], ["p50", "p99"]);
        plot.Axes.SetLimitsY(0, top);
        plot.Title("(e) publish → first attempt, ms at 1,000 events/s", 13);
        Legend(plot, systems);
    }

    private static void Memory(Plot plot, BenchResults results)
    {
        var queued = results.Find("c", Bench.LedgerSqlite, "rss-100k-keys");
        var peak = results.Find("c", Bench.LedgerSqlite, "peak-rss-incl-drain");
        var idle = queued?.Details?.GetValueOrDefault("idleRssMiB");
        var values = new (string Label, double? Value)[] { ("idle", idle), ("100k keys queued", queued?.Value), ("peak incl. drain", peak?.Value) };
        var bars = values.Select((v, i) => new Bar
        {
            Position = i,
            Value = v.Value ?? 0,
            FillColor = Colors[Bench.LedgerSqlite],
            Label = v.Value is { } x ? x.ToString("N0", CultureInfo.InvariantCulture) : "n/a",
        }).ToList();
        plot.Add.Bars(bars);
        TargetLine(plot, 300, "target < 300 MB");
        plot.Axes.Bottom.SetTicks([0, 1, 2], [.. values.Select(v => v.Label)]);
        plot.Axes.SetLimitsY(0, Math.Max(360, values.Max(v => v.Value ?? 0) * 1.2));
        plot.Title("(c) Ledger server resident memory, MiB", 13);
        plot.ShowLegend(Alignment.UpperLeft);
    }

    private static void Rebuild(Plot plot, BenchResults results)
    {
        var rebuild = results.Find("f", Bench.LedgerSqlite, "rebuild");
        var read = rebuild?.Details?.GetValueOrDefault("readOnlyEventsPerSecond");
        var values = new (string Label, double? Value, Color Color)[]
        {
            ("read + deserialize only", read, Colors[Bench.Baseline]),
            ("rebuild-projections", rebuild?.Value, Colors[Bench.LedgerSqlite]),
        };
        plot.Add.Bars(values.Select((v, i) => new Bar
        {
            Position = i,
            Value = v.Value ?? 0,
            FillColor = v.Color,
            Label = v.Value is { } x ? x.ToString("N0", CultureInfo.InvariantCulture) : "n/a",
        }).ToList());
        TargetLine(plot, Bench.RebuildTarget, string.Create(CultureInfo.InvariantCulture, $"target ≥ {Bench.RebuildTarget:N0}/s (and ≥ {Bench.RebuildRatioTarget}× read)"));
        plot.Axes.Bottom.SetTicks([0, 1], [.. values.Select(v => v.Label)]);
        plot.Axes.SetLimitsY(0, Math.Max(Bench.RebuildTarget * 1.2, values.Max(v => v.Value ?? 0) * 1.2));
        var events = rebuild?.Details?.GetValueOrDefault("events") ?? 0;
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"(f) projection rebuild, events/s ({events:N0} events)"), 13);
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static void Query(Plot plot, BenchResults results)
    {
        var p50 = results.Find("g", Bench.LedgerSqlite, "query-p50");
        var p99 = results.Find("g", Bench.LedgerSqlite, "query-p99");
        var raw50 = p50?.Details?.GetValueOrDefault("rawSqlP50Ms");
        var raw99 = p50?.Details?.GetValueOrDefault("rawSqlP99Ms");
        var values = new (double Position, double? Value, Color Color)[]
        {
            (0, raw50, Colors[Bench.Baseline]), (1, p50?.Value, Colors[Bench.LedgerSqlite]),
            (3, raw99, Colors[Bench.Baseline]), (4, p99?.Value, Colors[Bench.LedgerSqlite]),
        };
        plot.Add.Bars(values.Select(v => new Bar
        {
            Position = v.Position,
            Value = v.Value ?? 0,
            FillColor = v.Color,
            Label = v.Value is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) : "n/a",
        }).ToList());
        TargetLine(plot, 50, "target p99 < 50 ms");
        plot.Axes.Bottom.SetTicks([0.5, 3.5], ["p50", "p99"]);
        plot.Axes.SetLimitsY(0, Math.Max(60, values.Max(v => v.Value ?? 0) * 1.2));
        var deliveries = p50?.Details?.GetValueOrDefault("deliveries") ?? 0;
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"(g) GET deliveries?status=…, ms ({deliveries:N0} deliveries)"), 13);
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "same SQL in-process", FillColor = Colors[Bench.Baseline] });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "REST round trip", FillColor = Colors[Bench.LedgerSqlite] });
        plot.ShowLegend(Alignment.UpperLeft);
    }

    /// <summary>Each target as measured ÷ required (inverted where lower is better): 1 is exactly on target, more is better.</summary>
    private static void Targets(Plot plot, BenchResults results, string subtitle)
    {
        var targets = results.Figures.Where(f => f.Target is not null && f.Met is not null).ToList();
        var bars = new List<Bar>();
        var labels = new List<string>();
        for (var i = 0; i < targets.Count; i++)
        {
            var f = targets[i];
            var score = Score(f);
            bars.Add(new Bar
            {
                Position = i,
                Value = Math.Min(score, 4),
                FillColor = f.Met == true ? Met : Missed,
                Label = score.ToString("0.00", CultureInfo.InvariantCulture),
            });
            labels.Add(f.Metric switch
            {
                "vs-hangfire" => "(a) peer",
                "rss-100k-keys" => "(c) queued",
                "throughput" when f.System == Bench.LedgerPostgres => "(a) PG",
                "p99" when f.System == Bench.LedgerPostgres => "(e) PG",
                "follow-p99" => "(h) p99",
                "after-rollback" => "(h) rb",
                _ when f.Scenario == "h" => "(h) ×" + f.Metric.Replace("append-", "", StringComparison.Ordinal).Replace("/s", "", StringComparison.Ordinal),
                "peak-rss-incl-drain" => "(c) peak",
                _ => $"({f.Scenario})",
            });
        }
        if (bars.Count > 0)
        {
            plot.Add.Bars(bars);
            plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)i)], [.. labels]);
            plot.Axes.Bottom.TickLabelStyle.FontSize = 8;
        }
        TargetLine(plot, 1, "on target");
        plot.Axes.SetLimitsY(0, Math.Max(2, bars.Select(b => b.Value).DefaultIfEmpty(0).Max() * 1.2));
        plot.Title($"Targets: measured ÷ required (≥ 1 met)\n{subtitle}", 13);
        plot.ShowLegend(Alignment.UpperLeft);
    }

    private static double Score(Figure f) => (f.Scenario, f.Metric) switch
    {
        ("a", "throughput") => (f.Ratio ?? 0) / Bench.RequiredThroughputRatio(f.System),
        ("b", _) => (f.Ratio ?? 0) / Bench.FanOutTarget,
        ("a", "vs-hangfire") => f.Value / 3,
        ("c", _) => 300 / Math.Max(f.Value, 1e-6),
        ("d", _) => (f.Ratio ?? 0) / 0.8,
        ("e", _) => 25 / Math.Max(f.Value, 1e-6),
        ("f", _) => Math.Min(f.Value / Bench.RebuildTarget, (f.Ratio ?? 0) / Bench.RebuildRatioTarget),
        ("g", _) => 50 / Math.Max(f.Value, 1e-6),
        ("h", "follow-p99") => 0.5 / Math.Max(f.Ratio ?? double.PositiveInfinity, 1e-6),
        ("h", "after-rollback") => f.Met == true ? 1 : 0.5,
        ("h", _) => (f.Ratio ?? 0) / 2,
        _ => double.NaN,
    };

    private static void TargetLine(Plot plot, double y, string text)
    {
        var line = plot.Add.HorizontalLine(y);
        line.LinePattern = LinePattern.Dashed;
        line.Color = Missed;
        line.LineWidth = 2;
        line.LegendText = text;
    }

    private static void Legend(Plot plot, IEnumerable<string> systems)
    {
        foreach (var system in systems)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = system, FillColor = Colors[system] });
        }
        plot.ShowLegend(Alignment.UpperRight);
    }
}
