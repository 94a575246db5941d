using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace Ledger.GraphQL.Tests;

/// <summary>
/// The real server as its own process on loopback (a port of its own choosing), its ledger in a temp directory,
/// with API keys for a few tenants. A small starter of this project's own until the shared one lands in
/// Ledger.TestSupport.
/// </summary>
public sealed partial class GraphQLServer : IAsyncDisposable
{
    public const string ApiKey = "gql_key_default_0123456789";
    public const string OtherTenantKey = "gql_key_other_0123456789";
    public const string LoadTenantKey = "gql_key_load_0123456789";
    public const string SlowTenantKey = "gql_key_slow_0123456789";

    private readonly StringBuilder _output = new();
    private readonly string _directory;
    private Process? _process;

    private GraphQLServer(string directory) => _directory = directory;

    public Uri BaseAddress { get; private set; } = null!;

    public Uri WebSocketAddress => new UriBuilder(BaseAddress) { Scheme = "ws", Path = "/graphql" }.Uri;

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

    public static async Task<GraphQLServer> StartAsync(IDictionary<string, string>? settings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-graphql-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var all = new Dictionary<string, string>
        {
            ["Ledger__Storage__Sqlite__Path"] = Path.Combine(directory, "ledger.db"),
            ["Ledger__Delivery__AllowPrivateNetworks"] = "true",
            ["Ledger__Limits__WebhooksPerTenant"] = "1000",
            ["LEDGER_BOOTSTRAP_API_KEY"] = $"default:{ApiKey},other:{OtherTenantKey},load:{LoadTenantKey},slow:{SlowTenantKey}",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var server = new GraphQLServer(directory);
        await server.StartProcessAsync(all);
        return server;
    }

    public HttpClient Client(string apiKey = ApiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    private async Task StartProcessAsync(Dictionary<string, string> settings)
    {
        var serverDirectory = ServerBuildDirectory();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
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
        foreach (var (key, value) in settings)
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
    private static string ServerBuildDirectory()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var directory = Path.Combine(Repository.Root, "src", "Ledger.Server", "bin", configuration, "net10.0");
        return File.Exists(Path.Combine(directory, "Ledger.Server.dll"))
            ? directory
            : throw new InvalidOperationException($"the server is not built at {directory}: run dotnet build Ledger.sln");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One server for the tests that need no settings of their own (a 2 s connection_init timeout).</summary>
public sealed class SharedServer : IAsyncLifetime
{
    public GraphQLServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await GraphQLServer.StartAsync(new Dictionary<string, string> { ["Ledger__GraphQL__ConnectionInitTimeoutSeconds"] = "2" });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedServerCollection : ICollectionFixture<SharedServer>
{
    public const string Name = "graphql server";
}

/// <summary>Where things are: the repository, and the shared contract beside it.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// <c>shared/schema.graphql</c>: the first folder named <c>shared</c> holding it, looking beside the repository
    /// and then beside each folder above it.
    /// </summary>
    public static string ContractSchemaPath()
    {
        for (var directory = new DirectoryInfo(Root); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.Parent?.FullName ?? directory.FullName, "shared", "schema.graphql");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException($"no shared/schema.graphql beside {Root} or any folder above it");
    }

    private static string FindRoot()
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
}
