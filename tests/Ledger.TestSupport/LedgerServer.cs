using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Ledger.TestSupport;

public enum StorageKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The storage a parameterised suite runs on, as a type: a suite is an abstract class generic over it, with one
/// sealed class per storage (<see cref="OnSqlite"/>, <see cref="OnPostgres"/>).
/// </summary>
public interface IStorageChoice
{
    static abstract StorageKind Kind { get; }
}

public sealed class OnSqlite : IStorageChoice
{
    public static StorageKind Kind => StorageKind.Sqlite;
}

public sealed class OnPostgres : IStorageChoice
{
    public static StorageKind Kind => StorageKind.Postgres;
}

/// <summary>
/// The real server as its own process (<c>dotnet Ledger.Server.dll</c>), on loopback with a port of its own choosing.
/// On SQLite its ledger is in a temp directory; on PostgreSQL (the test server, <see cref="PostgresTestServer"/>) in
/// a schema of its own, which it drops when disposed. It can be killed with SIGKILL and started again on the same
/// data, and on PostgreSQL more instances can be started on the same database (<see cref="StartPeerAsync"/>).
/// The calling test project must reference Ledger.Server (ReferenceOutputAssembly=false) so that it is built.
/// </summary>
public sealed partial class LedgerServer : IAsyncDisposable
{
    public const string ApiKey = "e2e_key_default_0123456789";
    public const string OtherTenantKey = "e2e_key_other_0123456789";

    private readonly Dictionary<string, string> _settings;
    private readonly StringBuilder _output = new();
    private TaskCompletionSource _line = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownsStorage;
    private Process? _process;

    private LedgerServer(StorageKind storage, string dataDirectory, Dictionary<string, string> settings, bool ownsStorage)
    {
        Storage = storage;
        DataDirectory = dataDirectory;
        _settings = settings;
        _ownsStorage = ownsStorage;
    }

    public StorageKind Storage { get; }

    public string DataDirectory { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The settings (environment variables) that select this server's storage: for CLI verbs and peers.</summary>
    public IReadOnlyDictionary<string, string> StorageSettings =>
        _settings.Where(s => s.Key.StartsWith("Ledger__Storage__", StringComparison.Ordinal) || s.Key.StartsWith("Ledger__Secrets__", StringComparison.Ordinal)
                || s.Key.StartsWith("ConnectionStrings__", StringComparison.Ordinal))
            .ToDictionary(s => s.Key, s => s.Value);

    /// <summary>The ledger's schema on PostgreSQL (its read models are in <c>{schema}_read</c>).</summary>
    public string? PostgresSchema => _settings.GetValueOrDefault("Ledger__Storage__Postgres__Schema");

    /// <summary>The connection string the server uses on PostgreSQL.</summary>
    public string? PostgresConnectionString => _settings.GetValueOrDefault("ConnectionStrings__Ledger");

    /// <summary>The server process, while it runs.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

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

    public static Task<LedgerServer> StartAsync(IDictionary<string, string>? settings = null) => StartAsync(StorageKind.Sqlite, settings);

    /// <exception cref="InvalidOperationException">PostgreSQL was asked for and <c>LEDGER_TEST_POSTGRES</c> is not set.</exception>
    public static async Task<LedgerServer> StartAsync(StorageKind storage, IDictionary<string, string>? settings = null) =>
        (await StartTogetherAsync(storage, 1, settings))[0];

    /// <summary>
    /// <paramref name="count"/> server processes started at the same moment on one new storage (more than one:
    /// PostgreSQL only); the first owns the storage.
    /// </summary>
    public static async Task<LedgerServer[]> StartTogetherAsync(StorageKind storage, int count, IDictionary<string, string>? settings = null)
    {
        if (count > 1 && storage != StorageKind.Postgres)
        {
            throw new InvalidOperationException("several instances share one storage on PostgreSQL only");
        }
        var directory = NewDataDirectory();
        var all = new Dictionary<string, string>
        {
            ["Ledger__Delivery__AllowPrivateNetworks"] = "true",
            ["Ledger__Limits__WebhooksPerTenant"] = "1000",
            ["LEDGER_BOOTSTRAP_API_KEY"] = $"default:{ApiKey},other:{OtherTenantKey}",
        };
        if (storage == StorageKind.Postgres)
        {
            var schema = "e2e_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            var connection = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString) { ApplicationName = "ledger-" + schema };
            all["Ledger__Storage__Provider"] = "postgres";
            all["ConnectionStrings__Ledger"] = connection.ConnectionString;
            all["Ledger__Storage__Postgres__Schema"] = schema;
            all["Ledger__Secrets__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }
        else
        {
            all["Ledger__Storage__Sqlite__Path"] = Path.Combine(directory, "ledger.db");
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var servers = Enumerable.Range(0, count)
            .Select(i => new LedgerServer(storage, i == 0 ? directory : NewDataDirectory(), all, ownsStorage: i == 0))
            .ToArray();
        try
        {
            await Task.WhenAll(servers.Select(s => s.StartProcessAsync()));
        }
        catch
        {
            foreach (var server in servers.Reverse())
            {
                await server.DisposeAsync();
            }
            throw;
        }
        return servers;
    }

    private static string NewDataDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Another server process on the same PostgreSQL database and schema, with its own settings added.</summary>
    public async Task<LedgerServer> StartPeerAsync(IDictionary<string, string>? settings = null)
    {
        if (Storage != StorageKind.Postgres)
        {
            throw new InvalidOperationException("several instances share one storage on PostgreSQL only");
        }
        var directory = NewDataDirectory();
        var all = new Dictionary<string, string>(_settings);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var peer = new LedgerServer(Storage, directory, all, ownsStorage: false);
        try
        {
            await peer.StartProcessAsync();
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
        return peer;
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

    /// <summary>Runs a CLI verb of the server's binary on this server's storage; fails the test unless it exits 0.</summary>
    public async Task<string> RunVerbAsync(params string[] args)
    {
        var result = await RunBinaryAsync(StorageSettings, args);
        Xunit.Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)} exited {result.ExitCode}: {result.Errors}");
        return result.Output;
    }

    /// <summary>Runs the server's binary to its end (a CLI verb, or a start that is refused) with these settings as environment.</summary>
    public static async Task<BinaryRun> RunBinaryAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var directory = ServerBuildDirectory();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        info.ArgumentList.Add(Path.Combine(directory, "Ledger.Server.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return new BinaryRun(process.ExitCode, await output, await errors);
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
        info.Environment["Logging__LogLevel__Ledger.EventStore.Cluster"] = "Information";
        foreach (var (key, value) in _settings)
        {
            info.Environment[key] = value;
        }
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data, listening);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, listening);
        process.Exited += (_, _) =>
        {
            // Exited can come before the last lines are read: wait for both streams to end so the message has them.
            process.WaitForExit();
            listening.TrySetException(new InvalidOperationException($"the server exited before listening:\n{Output}"));
        };
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
        TaskCompletionSource arrived;
        lock (_output)
        {
            _output.AppendLine(line);
            arrived = _line;
            _line = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        arrived.TrySetResult();
        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    /// <summary>Waits until a line the server printed satisfies <paramref name="condition"/>; returns that line.</summary>
    public async Task<string> WaitForOutputLineAsync(Func<string, bool> condition, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            Task arrived;
            string output;
            lock (_output)
            {
                arrived = _line.Task;
                output = _output.ToString();
            }
            if (output.Split('\n').FirstOrDefault(l => condition(l.TrimEnd('\r'))) is { } found)
            {
                return found.TrimEnd('\r');
            }
            try
            {
                await arrived.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the server printed no such line; its output:\n{output}");
            }
        }
    }

    // In a JSON log line the address ends at the closing quote.
    [GeneratedRegex(@"Now listening on: (http://[^\s""]+)")]
    private static partial Regex ListeningLine();

    /// <summary>The server's own build output, in the configuration the calling test assembly was built in.</summary>
    public static string ServerBuildDirectory()
    {
        var testDirectory = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var directory = Path.Combine(NodeScripts.RepoRoot, "src", "Ledger.Server", "bin", configuration, "net10.0");
        return File.Exists(Path.Combine(directory, "Ledger.Server.dll"))
            ? directory
            : throw new InvalidOperationException($"the server is not built at {directory}: run dotnet build Ledger.sln");
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
        if (_ownsStorage && Storage == StorageKind.Postgres && PostgresSchema is { } schema)
        {
            await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; DROP SCHEMA IF EXISTS \"{schema}_read\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>How a run of the server's binary ended.</summary>
public sealed record BinaryRun(int ExitCode, string Output, string Errors);
