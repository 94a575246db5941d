using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Ledger.Bench;

if (args is ["--relay", ..])
{
    return await RelayFloor.RunAsync(args);
}

if (args is ["--replot", var json, ..])
{
    var png = args is [_, _, "--chart", var chartPath, ..] ? chartPath : Path.ChangeExtension(json, ".png");
    using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
    var info = document.RootElement.GetProperty("run");
    var cpuName = info.GetProperty("machine").GetProperty("cpu").GetString();
    var cores = info.GetProperty("machine").GetProperty("cores").GetInt32();
    var mode = info.GetProperty("mode").GetString();
    var date = info.GetProperty("startedAt").GetString()![..10];
    Chart.Write(BenchResults.Read(json), png, $"{cpuName}, {cores} cores, {mode} run {date}");
    Console.WriteLine($"chart: {png}");
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

var clock = Stopwatch.StartNew();
var results = new BenchResults();
var started = DateTimeOffset.UtcNow;
Console.WriteLine($"Ledger benchmarks ({(options.Quick ? "quick" : "full")} run), scenarios {string.Join(',', options.Scenarios.Order())}, " +
    $"concurrency {options.Concurrency}, Hangfire workers {options.HangfireWorkers}, PostgreSQL {(options.Postgres is null ? "none" : "yes")}");
await using (var bench = new Bench(options, results))
{
    await bench.RunAsync();
}

var machine = Machine();
var run = new Dictionary<string, object>
{
    ["mode"] = options.Quick ? "quick" : "full",
    ["startedAt"] = started.ToString("O", CultureInfo.InvariantCulture),
    ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
    ["commit"] = Environment.GetEnvironmentVariable("LEDGER_BENCH_COMMIT") ?? "",
    ["concurrency"] = options.Concurrency,
    ["hangfireWorkers"] = options.HangfireWorkers,
    ["publishers"] = options.Publishers,
    ["machine"] = machine,
};
results.Write(options.OutPath, run);
var subtitle = $"{machine["cpu"]}, {machine["cores"]} cores, {(options.Quick ? "quick" : "full")} run {started:yyyy-MM-dd}";
try
{
    Chart.Write(results, options.ChartFile, subtitle);
    Console.WriteLine($"chart: {options.ChartFile}");
}
catch (Exception ex) when (ex is IOException or InvalidOperationException or DllNotFoundException or TypeInitializationException)
{
    Console.Error.WriteLine($"the chart could not be drawn: {ex.Message}");
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"results: {options.OutPath} ({results.Figures.Count} figures, {clock.Elapsed.TotalSeconds:F0} s)"));
Console.WriteLine();
Console.WriteLine("Summary:");
foreach (var figure in results.Figures)
{
    Console.WriteLine(BenchResults.Line(figure));
}
return 0;

static Dictionary<string, object> Machine()
{
    var cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
        : "unknown";
    var memory = File.Exists("/proc/meminfo")
        ? File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]
        : "0";
    return new Dictionary<string, object>
    {
        ["cpu"] = cpu,
        ["cores"] = Environment.ProcessorCount,
        ["memoryGiB"] = Math.Round(long.Parse(memory, CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1),
        ["os"] = RuntimeInformation.OSDescription,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
    };
}
