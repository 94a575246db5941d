using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Ledger.Bench;

/// <summary>How one sender did on one workload.</summary>
public sealed record DeliveryRun(
    long Expected,
    long Received,
    TimeSpan Elapsed,
    TimeSpan ReceivedAt,
    TimeSpan? PublishedAt,
    bool Completed,
    double SenderCpuSeconds)
{
    /// <summary>Of <see cref="SenderCpuSeconds"/>, what the database server used.</summary>
    public double? DatabaseCpuSeconds { get; init; }

    /// <summary>Deliveries per second over the whole run (to the last one durably recorded, or to the cap).</summary>
    public double Rate => Received / Math.Max(Elapsed.TotalSeconds, 1e-6);

    public Dictionary<string, double> Details()
    {
        var details = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["deliveries"] = Received,
            ["expected"] = Expected,
            ["seconds"] = Elapsed.TotalSeconds,
            ["lastReceiptSeconds"] = ReceivedAt.TotalSeconds,
            ["completed"] = Completed ? 1 : 0,
            ["senderCpuSecondsPer1000"] = Received == 0 ? 0 : SenderCpuSeconds / Received * 1000,
        };
        if (DatabaseCpuSeconds is { } database && Received > 0)
        {
            details["databaseCpuSecondsPer1000"] = database / Received * 1000;
        }
        details["loadAverage"] = Bench.LoadAverage();
        if (PublishedAt is { } published)
        {
            details["publishSeconds"] = published.TotalSeconds;
            details["publishPerSecond"] = Expected / Math.Max(published.TotalSeconds, 1e-6);
        }
        return details;
    }
}

/// <summary>
/// Runs the scenarios of issue 6 against the same loopback receivers: the baseline sender, Ledger (its own
/// process), and the Hangfire peer, one after the other so that none competes with another for the 2 cores.
/// </summary>
public sealed partial class Bench(BenchOptions options, BenchResults results) : IAsyncDisposable
{
    public const string Baseline = "baseline";
    public const string LedgerSqlite = "ledger-sqlite";
    public const string LedgerPostgres = "ledger-postgres";
    public const string Hangfire = "hangfire-pg";

    /// <summary>The systems of <see cref="RelayFloor"/>: <c>relay-memory</c>, <c>relay-sqlite</c>, <c>relay-postgres</c>.</summary>
    public const string RelayPrefix = "relay-";

    private readonly BaselineSender _baseline = new();
    private readonly string _run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
    private Receivers _receivers = null!;
    private string? _ledgerPostgresUnavailable;

    public async Task RunAsync()
    {
        await RecordPostgresDurabilityAsync();
        _receivers = await Receivers.StartAsync();
        await WarmUpBaselineAsync();
        var scenarios = new (string Name, Func<Task> Run)[]
        {
            ("a", ThroughputAsync),
            ("b", FanOutAsync),
            ("c", ScaleAsync),
            ("d", IsolationAsync),
            ("e", LatencyAsync),
            ("f", RebuildAndQueryAsync),
            ("h", EventStoreAsync),
            ("i", ExportsAsync),
        };
        foreach (var (name, run) in scenarios)
        {
            if (!options.Scenarios.Contains(name) && !(name == "f" && options.Scenarios.Contains("g")))
            {
                continue;
            }
            var clock = Stopwatch.StartNew();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--- scenario ({name}), load average {LoadAverage():F2} ---"));
            try
            {
                await run();
            }
            catch (Exception ex)
            {
                results.Note(name, $"the scenario failed: {ex.GetType().Name}: {ex.Message}");
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--- ({name}) took {clock.Elapsed.TotalSeconds:F1} s ---"));
        }
    }

    private byte[] KeyOf(int receiver) => _keys.TryGetValue(receiver, out var key) ? key : throw new InvalidOperationException($"no key for receiver {receiver}");

    private readonly Dictionary<int, byte[]> _keys = [];

    private void SetKey(int receiver, string secret)
    {
        var key = Signing.KeyOf(secret);
        _keys[receiver] = key;
        _receivers.SetKey(receiver, key);
    }

    private async Task WarmUpBaselineAsync()
    {
        _receivers.Reset();
        SetKey(0, Signing.NewSecret());
        var events = Workload.Trades(_run + "w", 2_000, 100, _ => [0]);
        await _baseline.SendAllAsync(Workload.Posts(events, _receivers.Url), KeyOf, options.Concurrency, TimeSpan.FromSeconds(30));
    }

    /// <summary>The baseline on a workload: every post straight to its receiver.</summary>
    private async Task<DeliveryRun> RunBaselineAsync(Post[] posts)
    {
        _receivers.Reset();
        var cpu = ProcessCpu();
        var (elapsed, failed) = await _baseline.SendAllAsync(posts, KeyOf, options.Concurrency, options.RunCap);
        var received = _receivers.Ok;
        return new DeliveryRun(posts.Length, received, elapsed, elapsed, null, failed == 0 && received == posts.Length, ProcessCpu() - cpu);
    }

    /// <summary>
    /// Publishes the events through Ledger's REST API and measures until every expected delivery has reached its
    /// receiver and its successful attempt is in the ledger.
    /// </summary>
    private async Task<DeliveryRun> RunLedgerAsync(LedgerProcess server, IReadOnlyList<BenchEvent> events, long expected, Func<long> delivered, TimeSpan cap)
    {
        var recordedBefore = await server.RecordedOkAttemptsAsync();
        var deliveredBefore = delivered();
        var cpu = server.CpuSeconds();
        var postgresCpu = server.OnPostgres ? PostgresCpu() : 0;
        using var stop = new CancellationTokenSource(cap);
        var clock = Stopwatch.StartNew();
        TimeSpan? publishedAt = null;
        var publishing = server.PublishAllAsync([.. events.Select(e => e.PublishBody)], options.Publishers, stop.Token)
            .ContinueWith(t => { publishedAt = clock.Elapsed; return t; }, TaskScheduler.Default).Unwrap();
        await Until(() => delivered() - deliveredBefore >= expected, stop.Token);
        var receivedAt = clock.Elapsed;
        var recorded = await UntilAsync(async () => await server.RecordedOkAttemptsAsync() - recordedBefore >= expected, stop.Token);
        var elapsed = clock.Elapsed;
        try
        {
            await publishing;
        }
        catch (OperationCanceledException)
        {
        }
        var received = delivered() - deliveredBefore;
        // On PostgreSQL the database's CPU is part of the pipeline's cost, as it is of the Hangfire peer's.
        var databaseCpu = server.OnPostgres ? PostgresCpu() - postgresCpu : 0;
        return new DeliveryRun(expected, Math.Min(received, expected), elapsed, receivedAt, publishedAt, recorded && received >= expected, server.CpuSeconds() - cpu + databaseCpu)
        {
            DatabaseCpuSeconds = server.OnPostgres ? databaseCpu : null,
        };
    }

    /// <summary>Enqueues one Hangfire job per post and measures until every expected one has reached its receiver and succeeded.</summary>
    private async Task<DeliveryRun> RunHangfireAsync(HangfirePeer peer, Post[] posts, long expected, Func<long> delivered, TimeSpan cap)
    {
        var succeededBefore = peer.Succeeded();
        var deliveredBefore = delivered();
        var harnessCpu = ProcessCpu();
        var postgresCpu = PostgresCpu();
        using var stop = new CancellationTokenSource(cap);
        var clock = Stopwatch.StartNew();
        TimeSpan? enqueuedAt = null;
        var enqueueing = peer.EnqueueAllAsync(posts, options.Publishers, stop.Token)
            .ContinueWith(t => { enqueuedAt = clock.Elapsed; return t; }, TaskScheduler.Default).Unwrap();
        await Until(() => delivered() - deliveredBefore >= expected, stop.Token);
        var receivedAt = clock.Elapsed;
        var succeeded = await UntilAsync(() => Task.FromResult(peer.Succeeded() - succeededBefore >= expected), stop.Token);
        var elapsed = clock.Elapsed;
        try
        {
            await enqueueing;
        }
        catch (OperationCanceledException)
        {
        }
        var received = delivered() - deliveredBefore;
        return new DeliveryRun(expected, Math.Min(received, expected), elapsed, receivedAt, enqueuedAt, succeeded && received >= expected, ProcessCpu() - harnessCpu + PostgresCpu() - postgresCpu)
        {
            DatabaseCpuSeconds = PostgresCpu() - postgresCpu,
        };
    }

    private HangfirePeer? StartHangfire(string scenario)
    {
        if (options.Postgres is null)
        {
            results.Note(scenario, "no PostgreSQL (LEDGER_TEST_POSTGRES unset): the Hangfire peer was not run");
            return null;
        }
        if (options.Quick && scenario != "a")
        {
            return null;
        }
        return HangfirePeer.Start(options.Postgres, options.HangfireWorkers, KeyOf);
    }

    /// <summary>Ledger on SQLite, or on PostgreSQL (a database of its own) when <paramref name="onPostgres"/>; null when that provider is not available.</summary>
    private async Task<LedgerProcess?> StartLedgerAsync(string scenario, bool onPostgres = false, IDictionary<string, string>? settings = null)
    {
        if (!onPostgres)
        {
            return await LedgerProcess.StartAsync(options.RepositoryRoot, settings);
        }
        if (options.Postgres is null || _ledgerPostgresUnavailable is not null)
        {
            return null;
        }
        try
        {
            var database = await CreateDatabaseAsync(options.Postgres, $"ledger_bench_{_run}_{scenario}_{Guid.NewGuid().ToString("N")[..6]}");
            return await LedgerProcess.StartAsync(options.RepositoryRoot, settings, postgres: database);
        }
        catch (InvalidOperationException ex)
        {
            _ledgerPostgresUnavailable = ex.Message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Provider", StringComparison.Ordinal) || l.Contains("postgres", StringComparison.OrdinalIgnoreCase))
                ?? ex.Message.Split('\n')[0];
            results.Note(scenario, $"Ledger on PostgreSQL is not available in this build, so Ledger was measured on SQLite only: {_ledgerPostgresUnavailable}");
            return null;
        }
    }

    /// <summary>Prints and records the server's fsync and synchronous_commit: figures measured without durability are not honest.</summary>
    private async Task RecordPostgresDurabilityAsync()
    {
        if (options.Postgres is null)
        {
            return;
        }
        await using var connection = new NpgsqlConnection(options.Postgres);
        await connection.OpenAsync();
        var settings = new List<string>();
        foreach (var name in new[] { "fsync", "synchronous_commit", "full_page_writes" })
        {
            await using var command = new NpgsqlCommand($"SHOW {name}", connection);
            settings.Add($"{name}={await command.ExecuteScalarAsync()}");
        }
        var durable = settings.Contains("fsync=on") && settings.Contains("synchronous_commit=on");
        results.Note("postgres", $"{string.Join(", ", settings)}{(durable ? "" : " — NOT durable: PostgreSQL figures of this run are not honest")}");
    }

    private static async Task<string> CreateDatabaseAsync(string connectionString, string name)
    {
        await ExecutePostgresAsync(connectionString, $"CREATE DATABASE {name}");
        return new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Runs one statement on its own connection.</summary>
    private static async Task ExecutePostgresAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task Until(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition() && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(2, CancellationToken.None);
        }
    }

    private static async Task<bool> UntilAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await condition())
            {
                return true;
            }
            // /metrics sums the dispatcher's lanes under its lock: poll it gently.
            await Task.Delay(25, CancellationToken.None);
        }
        return await condition();
    }

    private static double ProcessCpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>CPU seconds of the benchmark's PostgreSQL server (its postmaster, found by port, and the backends it forked).</summary>
    private double PostgresCpu()
    {
        if (options.Postgres is null)
        {
            return 0;
        }
        var port = new NpgsqlConnectionStringBuilder(options.Postgres).Port.ToString(CultureInfo.InvariantCulture);
        var processes = new List<(int Pid, int Parent, string CommandLine)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(directory, "comm")).Trim() != "postgres")
                {
                    continue;
                }
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                processes.Add((pid, parent, File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ')));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }
        var postmaster = processes.FirstOrDefault(p => p.CommandLine.Contains($"-p {port}", StringComparison.Ordinal)).Pid;
        double total = 0;
        foreach (var (pid, parent, _) in processes.Where(p => postmaster != 0 && (p.Pid == postmaster || p.Parent == postmaster)))
        {
            try
            {
                total += ProcStatus.CpuSeconds(pid);
            }
            catch (IOException)
            {
            }
        }
        return total;
    }

    /// <summary>The 1-minute load average: the machine is shared, so each scenario records what else was running.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static double? Ratio(double value, double? reference) =>
        reference is { } r && r > 0 && double.IsFinite(value) ? value / r : null;

    public async ValueTask DisposeAsync()
    {
        _baseline.Dispose();
        if (_receivers is not null)
        {
            await _receivers.DisposeAsync();
        }
    }
}
