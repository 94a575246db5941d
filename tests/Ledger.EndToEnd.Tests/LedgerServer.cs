using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// The real server as its own process (<c>dotnet Ledger.Server.dll</c>), on loopback with a port of its own choosing,
/// its ledger in a temp directory. It can be killed with SIGKILL and started again on the same data.
/// </summary>
public sealed partial class LedgerServer : IAsyncDisposable
{
    public const string ApiKey = "e2e_key_default_0123456789";
    public const string OtherTenantKey = "e2e_key_other_0123456789";

    private readonly Dictionary<string, string> _settings;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private LedgerServer(string dataDirectory, Dictionary<string, string> settings)
    {
        DataDirectory = dataDirectory;
        _settings = settings;
    }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; private set; } = null!;

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

    public static async Task<LedgerServer> StartAsync(IDictionary<string, string>? settings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var all = new Dictionary<string, string>
        {
            ["Ledger__Storage__Sqlite__Path"] = Path.Combine(directory, "ledger.db"),
            ["Ledger__Delivery__AllowPrivateNetworks"] = "true",
            ["Ledger__Limits__WebhooksPerTenant"] = "1000",
            ["LEDGER_BOOTSTRAP_API_KEY"] = $"default:{ApiKey},other:{OtherTenantKey}",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var server = new LedgerServer(directory, all);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Starts the server again on the same data (after <see cref="KillAsync"/>).</summary>
    public Task RestartAsync() => StartProcessAsync();

    /// <summary>SIGKILL: no shutdown, no flush, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public HttpClient Client(string apiKey = ApiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    private async Task StartProcessAsync()
    {
        var serverDirectory = ServerBuildDirectory();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = serverDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(serverDirectory, "Ledger.Server.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in _settings)
        {
            info.Environment[key] = value;
        }
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data, listening);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, listening);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"the server exited before listening:\n{Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        BaseAddress = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private void OnLine(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();

    /// <summary>The server's own build output, in the configuration this test assembly was built in.</summary>
    public static string ServerBuildDirectory()
    {
        var testDirectory = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var directory = Path.Combine(RepositoryRoot(), "src", "Ledger.Server", "bin", configuration, "net10.0");
        return File.Exists(Path.Combine(directory, "Ledger.Server.dll"))
            ? directory
            : throw new InvalidOperationException($"the server is not built at {directory}: run dotnet build Ledger.sln");
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ledger.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Ledger.sln not found above the test assembly");
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Calls on the REST API that tests share.</summary>
public static class Api
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, int expectedStatus)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> CreateWebhookAsync(this HttpClient client, object body) =>
        await (await client.PostAsJsonAsync("/v1/webhooks", body)).JsonAsync(201);

    public static async Task<JsonElement> PublishAsync(this HttpClient client, object body) =>
        await (await client.PostAsJsonAsync("/v1/events", body)).JsonAsync(202);

    public static async Task<JsonElement> DeliveryAsync(this HttpClient client, string id) =>
        await (await client.GetAsync($"/v1/deliveries/{id}")).JsonAsync(200);

    /// <summary>Waits for the delivery to reach a status, following the server's own progress (no fixed sleeps).</summary>
    public static async Task<JsonElement> WaitForStatusAsync(this HttpClient client, string deliveryId, string status, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var delivery = await client.DeliveryAsync(deliveryId);
            if (delivery.GetProperty("status").GetString() == status)
            {
                return delivery;
            }
            if (cancel.IsCancellationRequested)
            {
                Assert.Fail($"delivery {deliveryId} did not become {status}: {delivery}");
            }
            await Task.Delay(50, cancel.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public static string Id(this JsonElement element) => element.GetProperty("id").GetString()!;

    public static string FirstDeliveryId(this JsonElement published) => published.GetProperty("deliveries")[0].Id();
}
