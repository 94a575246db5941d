using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ledger.EventStore;
using Ledger.EventStore.Sqlite;
using Microsoft.Data.Sqlite;

namespace Ledger.Bench;

/// <summary>(f) projection rebuild rate and (g) the deliveries query with a status filter, on one generated ledger.</summary>
public sealed partial class Bench
{
    public const double RebuildTarget = 75_000;
    public const double RebuildRatioTarget = 0.7;
    private const double QueryTargetMs = 50;
    private static readonly string[] QueryStatuses = ["failed", "retrying", "pending", "delivered"];

    private async Task RebuildAndQueryAsync()
    {
        var directory = Directory.CreateTempSubdirectory("ledger-bench-gen-").FullName;
        try
        {
            var path = Path.Combine(directory, "ledger.db");
            var generated = await LedgerGenerator.GenerateAsync(path, options.GeneratedDeliveries);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"generated {generated.Events:N0} ledger events ({generated.Published:N0} published, {generated.Deliveries:N0} deliveries: {string.Join(", ", generated.ByStatus.Select(s => $"{s.Value:N0} {s.Key}"))}) in {generated.Elapsed.TotalSeconds:F1} s"));

            var (readEvents, readSeconds) = await ReadOnlyPassAsync(path);
            var readRate = readEvents / Math.Max(readSeconds, 1e-6);

            var rebuild = await RunRebuildVerbAsync(path);
            if (options.Scenarios.Contains("f"))
            {
                var details = new Dictionary<string, double>
                {
                    ["events"] = rebuild.Events,
                    ["seconds"] = rebuild.Seconds,
                    ["wallSeconds"] = rebuild.WallSeconds,
                    ["peakRssMiB"] = rebuild.PeakRssMiB,
                    ["readOnlyEventsPerSecond"] = readRate,
                    ["generateSeconds"] = generated.Elapsed.TotalSeconds,
                    ["deliveries"] = generated.Deliveries,
                };
                var ratio = Ratio(rebuild.Rate, readRate);
                results.Add(new Figure("f", LedgerSqlite, "rebuild", rebuild.Rate, "events/s", ratio, "read+deserialize only",
                    string.Create(CultureInfo.InvariantCulture, $"≥ {RebuildTarget:N0} events/s and ≥ {RebuildRatioTarget}× read+deserialize"),
                    rebuild.Rate >= RebuildTarget && ratio >= RebuildRatioTarget, details));
            }
            if (!options.Scenarios.Contains("g"))
            {
                return;
            }
            await SetCheckpointAsync(Path.Combine(directory, "ledger.read.db"), "fan-out", generated.HeadPosition);
            var raw = RawQueries(Path.Combine(directory, "ledger.read.db"));
            await using var server = await LedgerProcess.StartAsync(options.RepositoryRoot, directory: directory);
            var (latencies, byStatus) = await QueryLoopAsync(server);
            var p50 = Stats.Percentile(latencies, 0.50);
            var p99 = Stats.Percentile(latencies, 0.99);
            var rawP50 = Stats.Percentile(raw, 0.50);
            var rawP99 = Stats.Percentile(raw, 0.99);
            var queryDetails = new Dictionary<string, double>
            {
                ["deliveries"] = generated.Deliveries,
                ["queries"] = latencies.Count,
                ["p50Ms"] = p50,
                ["p99Ms"] = p99,
                ["maxMs"] = latencies.Max(),
                ["rawSqlP50Ms"] = rawP50,
                ["rawSqlP99Ms"] = rawP99,
            };
            foreach (var (status, values) in byStatus)
            {
                queryDetails[$"{status}P99Ms"] = Stats.Percentile(values, 0.99);
            }
            results.Add(new Figure("g", LedgerSqlite, "query-p50", p50, "ms", Ratio(p50, rawP50), "the same SQL in-process", Details: queryDetails));
            results.Add(new Figure("g", LedgerSqlite, "query-p99", p99, "ms", Ratio(p99, rawP99), "the same SQL in-process",
                $"p99 < {QueryTargetMs:0} ms at {generated.Deliveries:N0} deliveries", p99 < QueryTargetMs));
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The floor under any rebuild: read the whole ledger in batches and deserialize every event, nothing written.</summary>
    private static async Task<(long Events, double Seconds)> ReadOnlyPassAsync(string path)
    {
        await using var store = SqliteEventStore.Open(path);
        var clock = Stopwatch.StartNew();
        long position = 0, count = 0;
        while (true)
        {
            var batch = await store.ReadAllAsync(position, 2000);
            if (batch.Count == 0)
            {
                break;
            }
            foreach (var stored in batch)
            {
                _ = EventSerializer.Deserialize(stored);
            }
            count += batch.Count;
            position = batch[^1].Position;
        }
        return (count, clock.Elapsed.TotalSeconds);
    }

    private sealed record RebuildRun(long Events, double Seconds, double Rate, double WallSeconds, double PeakRssMiB);

    /// <summary>Runs <c>Ledger.Server.dll rebuild-projections</c> on the file and reads its closing line.</summary>
    private async Task<RebuildRun> RunRebuildVerbAsync(string path)
    {
        var run = await RunServerVerbAsync(path, "rebuild-projections");
        var match = Regex.Match(run.Output, @"Rebuilt from ([\d,]+) events in ([\d.]+) s \(([\d,]+) events/s\)");
        if (run.ExitCode != 0 || !match.Success)
        {
            throw new InvalidOperationException($"rebuild-projections exited {run.ExitCode}: {run.Output}\n{run.Errors}");
        }
        var events = (long)Number(match.Groups[1]);
        var seconds = Number(match.Groups[2]);
        return new RebuildRun(events, seconds, events / Math.Max(seconds, 1e-6), run.WallSeconds, run.PeakRssMiB);
    }

    private static double Number(Group g) => double.Parse(g.Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private sealed record VerbRun(int ExitCode, string Output, string Errors, double WallSeconds, double PeakRssMiB);

    /// <summary>Runs a verb of <c>Ledger.Server.dll</c> on the SQLite ledger at <paramref name="path"/>, sampling its peak memory, within a time cap.</summary>
    private async Task<VerbRun> RunServerVerbAsync(string path, params string[] verb)
    {
        var dll = LedgerProcess.ServerDll(options.RepositoryRoot);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in verb)
        {
            info.ArgumentList.Add(arg);
        }
        info.ArgumentList.Add($"--Ledger:Storage:Sqlite:Path={path}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        double peak = 0;
        using (var cap = new CancellationTokenSource(TimeSpan.FromMinutes(options.Quick ? 1 : 5)))
        {
            while (!process.HasExited && !cap.IsCancellationRequested)
            {
                try
                {
                    peak = Math.Max(peak, ProcStatus.Memory(process.Id).Peak);
                }
                catch (IOException)
                {
                }
                await Task.Delay(200, CancellationToken.None);
            }
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{verb[0]} did not finish within its time cap");
            }
        }
        await process.WaitForExitAsync();
        var text = await output;
        Console.Write(text);
        return new VerbRun(process.ExitCode, text, await error, clock.Elapsed.TotalSeconds, peak);
    }

    private static async Task SetCheckpointAsync(string readModelPath, string name, long position)
    {
        // The fan-out reactor's checkpoint: the generated ledger's lanes are already written, nothing is to be fanned out again.
        await using var connection = new SqliteConnection($"Data Source={readModelPath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO checkpoints (name, position) VALUES ($name, $position) ON CONFLICT (name) DO UPDATE SET position = excluded.position";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$position", position);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// <c>GET /v1/webhooks/events?status=S&amp;limit=50</c> one after another, the statuses in turn, every other query
    /// the next page of the previous one; the round trip as the client sees it.
    /// </summary>
    private async Task<(List<double> All, Dictionary<string, List<double>> ByStatus)> QueryLoopAsync(LedgerProcess server)
    {
        var cursors = new Dictionary<string, string?>(StringComparer.Ordinal);
        var all = new List<double>(options.Queries);
        var byStatus = QueryStatuses.ToDictionary(s => s, _ => new List<double>(), StringComparer.Ordinal);
        const int warmUp = 40;
        for (var q = 0; q < warmUp + options.Queries; q++)
        {
            var status = QueryStatuses[q % QueryStatuses.Length];
            var nextPage = q / QueryStatuses.Length % 2 == 1 && cursors.GetValueOrDefault(status) is not null;
            var url = $"/v1/webhooks/events?status={status}&limit=50" + (nextPage ? "&cursor=" + Uri.EscapeDataString(cursors[status]!) : "");
            var started = Stopwatch.GetTimestamp();
            using var response = await server.Client.GetAsync(url);
            var body = await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
            }
            if (!nextPage)
            {
                using var json = JsonDocument.Parse(body);
                cursors[status] = json.RootElement.TryGetProperty("nextCursor", out var cursor) && cursor.ValueKind == JsonValueKind.String ? cursor.GetString() : null;
            }
            if (q >= warmUp)
            {
                all.Add(elapsed);
                byStatus[status].Add(elapsed);
            }
        }
        return (all, byStatus);
    }

    /// <summary>The floor for (g): the first page of each status straight from the read-model file, in-process.</summary>
    private List<double> RawQueries(string readModelPath)
    {
        using var connection = new SqliteConnection($"Data Source={readModelPath};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT id, tenant_id, event_id, webhook_id, event_type, status, attempts, last_attempted_at, last_status_code, last_failure_code, " +
            "last_error_message, next_attempt_at, terminal_failure_at, delivered_at, created_at, stream_id " +
            "FROM deliveries WHERE tenant_id = $tenant AND status IN ($status) ORDER BY created_at DESC, id DESC LIMIT 51";
        var tenant = command.Parameters.Add("$tenant", SqliteType.Text);
        var status = command.Parameters.Add("$status", SqliteType.Text);
        tenant.Value = "default";
        var latencies = new List<double>(options.Queries);
        for (var q = 0; q < 40 + options.Queries; q++)
        {
            status.Value = QueryStatuses[q % QueryStatuses.Length];
            var started = Stopwatch.GetTimestamp();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        _ = reader.GetValue(i);
                    }
                }
            }
            if (q >= 40)
            {
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        return latencies;
    }
}
