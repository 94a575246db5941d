using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ledger.Bench;

/// <summary>
/// Ledger as its own process (<c>dotnet Ledger.Server.dll</c>, Release build), on loopback with a port it picks,
/// with its data in a temp directory; its REST API, its <c>/metrics</c>, and its memory and CPU from <c>/proc</c>.
/// </summary>
public sealed partial class LedgerProcess : IAsyncDisposable
{
    public const string ApiKey = "bench_key_0123456789abcdef";

    /// <summary>PostgreSQL needs a master key; one per bench run, as every run has databases of its own.</summary>
    private static readonly string BenchMasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _client;
    private readonly bool _ownsDirectory;

    private LedgerProcess(Process process, Uri baseAddress, string directory, bool ownsDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        DataDirectory = directory;
        _ownsDirectory = ownsDirectory;
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        _client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(120) };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public Uri BaseAddress { get; }

    public string DataDirectory { get; }

    /// <summary>Whether this server keeps its ledger in PostgreSQL (whose CPU then counts towards its cost).</summary>
    public bool OnPostgres { get; private init; }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public HttpClient Client => _client;

    public static string ServerDll(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "src", "Ledger.Server", "bin", "Release", "net10.0", "Ledger.Server.dll");

    /// <summary>Starts a server on SQLite in a new temp directory (or on <paramref name="directory"/>), or on PostgreSQL when <paramref name="postgres"/> is set.</summary>
    /// <para>With <paramref name="relay"/>, starts this harness's <see cref="RelayFloor"/> in that mode instead of Ledger.</para>
    public static async Task<LedgerProcess> StartAsync(
        string repositoryRoot, IDictionary<string, string>? settings = null, string? directory = null, string? postgres = null, string? relay = null)
    {
        var owns = directory is null;
        directory ??= Directory.CreateTempSubdirectory("ledger-bench-").FullName;
        var dll = relay is null ? ServerDll(repositoryRoot) : typeof(RelayFloor).Assembly.Location;
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"the server is not built at {dll}: run dotnet build -c Release Ledger.sln");
        }
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        if (relay is not null)
        {
            info.ArgumentList.Add("--relay");
            info.ArgumentList.Add(relay);
            info.ArgumentList.Add("--data");
            info.ArgumentList.Add(directory);
            if (postgres is not null)
            {
                info.ArgumentList.Add("--postgres");
                info.ArgumentList.Add(postgres);
            }
        }
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        info.Environment["Ledger__Storage__Sqlite__Path"] = Path.Combine(directory, "ledger.db");
        info.Environment["Ledger__Delivery__AllowPrivateNetworks"] = "true";
        info.Environment["Ledger__Limits__WebhooksPerTenant"] = "100000";
        info.Environment["LEDGER_BOOTSTRAP_API_KEY"] = $"default:{ApiKey}";
        if (postgres is not null)
        {
            info.Environment["Ledger__Storage__Provider"] = "postgres";
            info.Environment["ConnectionStrings__Ledger"] = postgres;
            info.Environment["Ledger__Secrets__MasterKey"] = BenchMasterKey;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                if (output.Length < 200_000)
                {
                    output.AppendLine(line);
                }
            }
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            string text;
            lock (output)
            {
                text = output.ToString();
            }
            listening.TrySetException(new InvalidOperationException($"the server exited before listening:\n{Tail(text, 2000)}"));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Uri address;
        try
        {
            address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(120));
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
        var server = new LedgerProcess(process, address, directory, owns) { OnPostgres = postgres is not null };
        lock (output)
        {
            server._output.Append(output);
        }
        return server;
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : text[^length..];

    /// <summary>Creates a webhook; returns its id and signing secret.</summary>
    public async Task<(string Id, string Secret)> CreateWebhookAsync(string url, string[]? events = null, string ordering = "fifo", int[]? retrySchedule = null, bool active = true)
    {
        var body = new Dictionary<string, object?>
        {
            ["url"] = url,
            ["events"] = events ?? ["trade.*"],
            ["ordering"] = ordering,
            ["active"] = active,
        };
        if (retrySchedule is not null)
        {
            body["retrySchedule"] = retrySchedule;
        }
        using var response = await _client.PostAsJsonAsync("/v1/webhooks", body);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException($"creating a webhook answered {(int)response.StatusCode}: {text}");
        }
        using var json = JsonDocument.Parse(text);
        return (json.RootElement.GetProperty("id").GetString()!, json.RootElement.GetProperty("secret").GetString()!);
    }

    public async Task SetActiveAsync(string webhookId, bool active)
    {
        using var content = JsonContent.Create(new { active });
        using var response = await _client.PatchAsync($"/v1/webhooks/{webhookId}", content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PATCH webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>POST /v1/events with a prepared body; throws unless 202 (or 200 for a repeat).</summary>
    public async Task PublishAsync(byte[] body, CancellationToken cancellationToken = default)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _client.PostAsync("/v1/events", content, cancellationToken);
        if ((int)response.StatusCode is not (202 or 200))
        {
            throw new InvalidOperationException($"publish answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>Publishes every body with <paramref name="concurrency"/> publishers; returns when all are acknowledged.</summary>
    public async Task PublishAllAsync(IReadOnlyList<byte[]> bodies, int concurrency, CancellationToken cancellationToken)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                await PublishAsync(bodies[i], cancellationToken);
            }
        }));
    }

    /// <summary>The server's Prometheus counters and gauges (label sets flattened into the name).</summary>
    public async Task<Dictionary<string, double>> MetricsAsync()
    {
        var text = await _client.GetStringAsync("/metrics");
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..space]] = value;
            }
        }
        return values;
    }

    /// <summary>Attempts answered 2xx and appended to the ledger (the dispatcher counts one only after its append).</summary>
    public async Task<double> RecordedOkAttemptsAsync() =>
        (await MetricsAsync()).GetValueOrDefault("ledger_attempts_total{outcome=\"ok\"}");

    /// <summary>Waits until the ledger holds <paramref name="count"/> successful attempts; polls <c>/metrics</c>.</summary>
    public async Task<bool> WaitForRecordedOkAsync(double count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (await RecordedOkAttemptsAsync() >= count)
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }

    public async Task<double> QueueDepthAsync() => (await MetricsAsync()).GetValueOrDefault("ledger_queue_depth");

    /// <summary>Resident memory now and its peak (VmRSS, VmHWM) in MiB.</summary>
    public (double Rss, double Peak) Memory() => ProcStatus.Memory(Pid);

    /// <summary>CPU seconds the server has used so far (user + system).</summary>
    public double CpuSeconds() => ProcStatus.CpuSeconds(Pid);

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        _process.Dispose();
        _client.Dispose();
        if (_ownsDirectory)
        {
            await Task.Yield();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}

/// <summary>Memory and CPU of a process from <c>/proc</c>.</summary>
public static class ProcStatus
{
    public static (double Rss, double Peak) Memory(int pid)
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) / 1024.0;
            }
        }
        return (rss, peak);
    }

    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
