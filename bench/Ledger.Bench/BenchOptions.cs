using System.Globalization;

namespace Ledger.Bench;

/// <summary>The command line, and the scenario sizes of a full and of a quick (smoke) run.</summary>
public sealed record BenchOptions
{
    public static readonly string[] AllScenarios = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];

    public bool Quick { get; init; }

    public string OutPath { get; init; } = "bench/out/results.json";

    public string? ChartPath { get; init; }

    /// <summary>Where the PNG goes: <see cref="ChartPath"/>, or beside the JSON.</summary>
    public string ChartFile => ChartPath ?? Path.ChangeExtension(OutPath, ".png");

    public required string RepositoryRoot { get; init; }

    /// <summary>Npgsql connection string of a throwaway server (LEDGER_TEST_POSTGRES): the Hangfire peer, and Ledger on PostgreSQL when it supports it.</summary>
    public string? Postgres { get; init; }

    public IReadOnlySet<string> Scenarios { get; init; } = new HashSet<string>(AllScenarios);

    /// <summary>Requests in flight: the baseline's, and Ledger's <c>Ledger:Delivery:MaxConcurrency</c> (its default).</summary>
    public int Concurrency { get; init; } = 512;

    /// <summary>Hangfire workers (threads); more only adds polling load on 2 cores.</summary>
    public int HangfireWorkers { get; init; } = 32;

    /// <summary>Producers calling <c>POST /v1/events</c> (or Hangfire's Enqueue) at once.</summary>
    public int Publishers { get; init; } = 16;

    public int ThroughputEvents => Quick ? 1_000 : 20_000;

    public int ThroughputKeys => 1_000;

    public int FanOutWebhooks => Quick ? 50 : 1_000;

    public int FanOutEvents => Quick ? 5 : 20;

    public int ScaleKeys => Quick ? 2_000 : 100_000;

    public int IsolationWebhooks => 20;

    public int IsolationKeysPerWebhook => 50;

    public int IsolationEvents => Quick ? 1_000 : 20_000;

    public int LatencyRate => 1_000;

    public int LatencySeconds => Quick ? 1 : 10;

    public int GeneratedDeliveries => DeliveriesOverride ?? (Quick ? 10_000 : 330_000);

    /// <summary><c>--deliveries N</c>: the size of the generated ledger of (f) and (g), e.g. to profile a rebuild.</summary>
    public int? DeliveriesOverride { get; init; }

    /// <summary>Deliveries of the ledger generated for (i), about three ledger events each; <c>--export-deliveries N</c>.</summary>
    public int ExportDeliveries => ExportDeliveriesOverride ?? (Quick ? 10_000 : 330_000);

    public int? ExportDeliveriesOverride { get; init; }

    public int Queries => Quick ? 100 : 2_000;

    /// <summary>The most any one measured run may take; past it the run is cut and its rate taken over what was done.</summary>
    public TimeSpan RunCap => Quick ? TimeSpan.FromSeconds(15) : TimeSpan.FromSeconds(90);

    /// <summary>
    /// How long (a) loads each contender before measuring it: a server's JIT keeps tiering up its hot paths for about
    /// half a minute of load (15–19% of its CPU in a profile of the first 35 s), and (a) measures the steady state.
    /// </summary>
    public TimeSpan ThroughputWarmUp => Quick ? TimeSpan.Zero : TimeSpan.FromSeconds(30);

    public TimeSpan PeerCap => Quick ? TimeSpan.FromSeconds(6) : TimeSpan.FromSeconds(45);

    public static BenchOptions Parse(string[] args)
    {
        var quick = false;
        string? output = null, chart = null, repository = null;
        HashSet<string>? only = null;
        int? concurrency = null, workers = null, deliveries = null, exportDeliveries = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--out":
                    output = Next();
                    break;
                case "--chart":
                    chart = Next();
                    break;
                case "--repo":
                    repository = Next();
                    break;
                case "--only":
                    only = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    if (only.Except(AllScenarios).FirstOrDefault() is { } unknown)
                    {
                        throw new ArgumentException($"--only: unknown scenario '{unknown}' (use {string.Join(',', AllScenarios)})");
                    }
                    break;
                case "--concurrency":
                    concurrency = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--deliveries":
                    deliveries = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--export-deliveries":
                    exportDeliveries = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--hangfire-workers":
                    workers = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown argument {args[i]}\n{Usage}");
            }
        }
        var defaults = new BenchOptions { RepositoryRoot = "" };
        return new BenchOptions
        {
            Quick = quick,
            OutPath = output ?? defaults.OutPath,
            ChartPath = chart,
            RepositoryRoot = repository ?? FindRepositoryRoot(),
            Postgres = Environment.GetEnvironmentVariable("LEDGER_TEST_POSTGRES") is { Length: > 0 } pg ? pg : null,
            Scenarios = only ?? new HashSet<string>(AllScenarios),
            Concurrency = concurrency ?? defaults.Concurrency,
            HangfireWorkers = workers ?? defaults.HangfireWorkers,
            DeliveriesOverride = deliveries,
            ExportDeliveriesOverride = exportDeliveries,
        };
    }

    public const string Usage = """
        usage: ./bench/run.sh [--quick] [--out results.json] [--chart bench/results.png] [--only a,b,...]
                              [--concurrency 512] [--hangfire-workers 32] [--deliveries 330000] [--export-deliveries 330000]
        """;

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Ledger.sln")))
                {
                    return directory.FullName;
                }
            }
        }
        throw new InvalidOperationException("Ledger.sln not found above the working directory; pass --repo");
    }
}
