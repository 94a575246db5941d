using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Ledger.Bench;

/// <summary>
/// (i) exports and <c>verify --ledger</c> over one generated ledger (<c>--export-deliveries N</c>, about three ledger
/// events per delivery): the rate of each, and the server's memory while it streams an export, which should stay
/// flat whatever the ledger's size.
/// </summary>
public sealed partial class Bench
{
    private async Task ExportsAsync()
    {
        var directory = Directory.CreateTempSubdirectory("ledger-bench-export-").FullName;
        try
        {
            var path = Path.Combine(directory, "ledger.db");
            var generated = await LedgerGenerator.GenerateAsync(path, options.ExportDeliveries);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"generated {generated.Events:N0} ledger events ({generated.Deliveries:N0} deliveries) in {generated.Elapsed.TotalSeconds:F1} s"));
            var (readEvents, readSeconds) = await ReadOnlyPassAsync(path);
            var readRate = readEvents / Math.Max(readSeconds, 1e-6);

            var verify = await RunServerVerbAsync(path, "verify", "--ledger");
            var summary = Regex.Match(verify.Output, @"Ledger intact: ([\d,]+) events in ([\d,]+) streams .* in ([\d.]+) s \(([\d,]+) events/s\)");
            if (verify.ExitCode != 0 || !summary.Success)
            {
                throw new InvalidOperationException($"verify --ledger exited {verify.ExitCode}: {verify.Output}\n{verify.Errors}");
            }
            var verifyRate = Number(summary.Groups[4]);
            results.Add(new Figure("i", LedgerSqlite, "verify-ledger", verifyRate, "events/s", Ratio(verifyRate, readRate), "read+deserialize only", Details: new Dictionary<string, double>
            {
                ["events"] = Number(summary.Groups[1]),
                ["streams"] = Number(summary.Groups[2]),
                ["seconds"] = Number(summary.Groups[3]),
                ["wallSeconds"] = verify.WallSeconds,
                ["peakRssMiB"] = verify.PeakRssMiB,
            }));

            await RunRebuildVerbAsync(path);
            await SetCheckpointAsync(Path.Combine(directory, "ledger.read.db"), "fan-out", generated.HeadPosition);
            await using var server = await LedgerProcess.StartAsync(options.RepositoryRoot, directory: directory);
            foreach (var (metric, url, unit) in new[]
            {
                ("export-ledger", "/v1/exports/ledger?format=jsonl", "events/s"),
                ("export-deliveries", "/v1/exports/deliveries?format=csv", "rows/s"),
                ("export-attempts", "/v1/exports/attempts?format=csv", "rows/s"),
            })
            {
                var export = await StreamExportAsync(server, url);
                // The ledger export ends with its manifest line; the CSV exports start with a header row.
                var rows = export.Lines - 1;
                var rate = rows / Math.Max(export.Seconds, 1e-6);
                results.Add(new Figure("i", LedgerSqlite, metric, rate, unit, Ratio(rate, readRate), "read+deserialize only", Details: new Dictionary<string, double>
                {
                    ["rows"] = rows,
                    ["megabytes"] = export.Bytes / 1048576.0,
                    ["seconds"] = export.Seconds,
                    ["rssBeforeMiB"] = export.RssBefore,
                    ["rssPeakMiB"] = export.RssPeak,
                    ["rssGrowthMiB"] = export.RssPeak - export.RssBefore,
                }));
            }
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

    private sealed record ExportRun(long Lines, long Bytes, double Seconds, double RssBefore, double RssPeak);

    /// <summary>Reads an export to its end as a client would, counting its lines, while sampling the server's resident memory.</summary>
    private async Task<ExportRun> StreamExportAsync(LedgerProcess server, string url)
    {
        var before = server.Memory().Rss;
        var peak = before;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.Memory().Rss);
                await Task.Delay(100, CancellationToken.None);
            }
        });
        var clock = Stopwatch.StartNew();
        long lines = 0, bytes = 0;
        using (var cap = new CancellationTokenSource(options.Quick ? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(10)))
        {
            using var response = await server.Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cap.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cap.Token)}");
            }
            await using var body = await response.Content.ReadAsStreamAsync(cap.Token);
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer, cap.Token)) > 0)
            {
                bytes += read;
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        await done.CancelAsync();
        await sampler;
        peak = Math.Max(peak, server.Memory().Rss);
        return new ExportRun(lines, bytes, seconds, before, peak);
    }
}
