using System.Globalization;
using Ledger.Domain;
using Ledger.Projections;
using Ledger.Server.Auth;
using Ledger.Server.Hosting;

namespace Ledger.Server.Cli;

/// <summary>
/// Verbs of the one binary: <c>rebuild-projections</c> (drop the read models and replay the ledger) and
/// <c>keys create --tenant NAME</c>. They use the same configuration as the server.
/// </summary>
public static class CliVerbs
{
    private static readonly string[] Verbs = ["rebuild-projections", "keys", "help", "--help"];

    public static bool IsVerb(string arg) => Verbs.Contains(arg);

    public static async Task<int> RunAsync(string[] args)
    {
        if (args[0] is "help" or "--help")
        {
            Console.WriteLine(Usage);
            return 0;
        }
        var builder = WebApplication.CreateBuilder(args.Skip(1).Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal)).ToArray());
        // Standard output carries only what the verb prints (a key, a summary); logs go to standard error.
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddLedgerStorage(builder.Configuration).AddLedgerProjections().AddSingleton(TimeProvider.System);
        await using var app = builder.Build();
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            return args[0] switch
            {
                "rebuild-projections" => await RebuildAsync(app.Services, cancel.Token),
                "keys" when args.Length >= 2 && args[1] == "create" => await CreateKeyAsync(app.Services, Option(args, "--tenant") ?? TenantId.Default.Value, cancel.Token),
                _ => Fail(Usage),
            };
        }
        catch (DomainException ex)
        {
            return Fail(ex.Message);
        }
    }

    private static async Task<int> RebuildAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var runner = services.GetRequiredService<ProjectionRunner>();
        var started = TimeProvider.System.GetTimestamp();
        long lastReported = 0;
        var progress = new Progress<long>(count =>
        {
            if (count - lastReported >= 100_000)
            {
                lastReported = count;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count:N0} events replayed…"));
            }
        });
        Console.WriteLine("Rebuilding the read models from the ledger…");
        var total = await runner.RebuildAsync(progress, cancellationToken);
        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Rebuilt from {total:N0} events in {seconds:F1} s ({total / Math.Max(seconds, 0.001):N0} events/s)."));
        return 0;
    }

    private static async Task<int> CreateKeyAsync(IServiceProvider services, string tenant, CancellationToken cancellationToken)
    {
        var keys = services.GetRequiredService<ApiKeys>();
        await keys.LoadAsync(cancellationToken);
        var key = await keys.CreateAsync(new TenantId(tenant), null, cancellationToken);
        Console.WriteLine(key);
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private const string Usage = """
        usage: dotnet run --project src/Ledger.Server -- [verb]
          (no verb)                      run the server
          rebuild-projections            drop the read models and replay the whole ledger into them
          keys create --tenant NAME      create an API key for a tenant and print it
        Settings as for the server, e.g. --Ledger:Storage:Sqlite:Path=/some/dir/ledger.db
        """;
}
