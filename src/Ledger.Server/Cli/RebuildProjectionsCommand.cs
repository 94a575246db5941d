using System.CommandLine;
using System.Globalization;
using Ledger.EventStore;
using Ledger.Projections;

namespace Ledger.Server.Cli;

/// <summary><c>rebuild-projections</c>: drop the read models and replay the whole ledger into them.</summary>
internal static class RebuildProjectionsCommand
{
    public static Command Create(VerbHost host)
    {
        var command = new Command("rebuild-projections",
            "Drop the read models and replay the whole ledger into them, with progress. Refused while a server runs on the ledger "
            + "(SQLite: its lock file; PostgreSQL: any instance of the cluster): stop every instance first.");
        command.SetAction((_, cancellationToken) => host.RunAsync((ledger, ct) => RebuildAloneAsync(ledger, ct), cancellationToken));
        return command;
    }

    /// <summary>Rebuilds unless a server is running on the ledger: its projections would race the rebuild.</summary>
    private static async Task<int> RebuildAloneAsync(LedgerVerbContext ledger, CancellationToken cancellationToken)
    {
        await using var held = await LedgerExclusivity.TryHoldAsync(ledger.Configuration, cancellationToken);
        if (held is null)
        {
            await Console.Error.WriteLineAsync("rebuild-projections: a Ledger server is running on this ledger; stop every instance first");
            return LedgerCommandLine.Refused;
        }
        return await RebuildAsync(ledger.Services, cancellationToken);
    }

    public static async Task<int> RebuildAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var runner = services.GetRequiredService<ProjectionRunner>();
        var started = TimeProvider.System.GetTimestamp();
        var head = await services.GetRequiredService<IEventStore>().ReadHeadPositionAsync(cancellationToken);
        Console.WriteLine("Rebuilding the read models from the ledger…");
        long total;
        using (var progress = ProgressLines.ForConsole("events", head))
        {
            total = await runner.RebuildAsync(progress, cancellationToken);
        }
        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Rebuilt from {total:N0} events in {seconds:F1} s ({total / Math.Max(seconds, 0.001):N0} events/s)."));
        return 0;
    }
}
