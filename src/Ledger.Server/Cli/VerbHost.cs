using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Keys;
using Ledger.Projections;
using Ledger.Server.Hosting;

namespace Ledger.Server.Cli;

/// <summary>The ledger's services, opened as the server would open them, for one verb.</summary>
internal sealed record LedgerVerbContext(IServiceProvider Services, IConfiguration Configuration);

/// <summary>
/// Opens the ledger with the server's settings (environment, appsettings, and the <c>--Section:Key=value</c>
/// arguments given to the verb) and runs a verb on it. Standard output carries only what the verb prints; logs go
/// to standard error. A refusal of the ledger or its keys is one line and exit code 1.
/// </summary>
internal sealed class VerbHost(string[] settings)
{
    public async Task<int> RunAsync(Func<LedgerVerbContext, CancellationToken, Task<int>> verb, CancellationToken cancellationToken)
    {
        try
        {
            var builder = WebApplication.CreateBuilder(settings);
            builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddLedgerStorage(builder.Configuration).AddLedgerProjections().AddLedgerKeys(builder.Configuration).AddSingleton(TimeProvider.System);
            await using var app = builder.Build();
            return await verb(new LedgerVerbContext(app.Services, builder.Configuration), cancellationToken);
        }
        catch (DomainException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return LedgerCommandLine.UsageError;
        }
        catch (Exception ex) when (ex is KeyConfigurationException or LedgerConfigurationException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return LedgerCommandLine.Refused;
        }
    }
}
