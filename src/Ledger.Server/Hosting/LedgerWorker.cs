using Ledger.Application;
using Ledger.Dispatcher.Scheduling;
using Ledger.Projections;

namespace Ledger.Server.Hosting;

/// <summary>Runs the projection runner, the fan-out reactor and the dispatcher for as long as the host runs.</summary>
public sealed class LedgerWorker(
    ProjectionRunner projections,
    FanOutReactor fanOut,
    LaneDispatcher dispatcher,
    LedgerStartup startup,
    ILogger<LedgerWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        dispatcher.AttemptRecorded += DeliveryMetrics.RecordAttempt;
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() => DeliveryMetrics.Sample(dispatcher.QueueDepth, dispatcher.InFlight));
        var tasks = new[]
        {
            Guard("projections", () => projections.RunAsync(stoppingToken)),
            Guard("fan-out", () => fanOut.RunAsync(stoppingToken)),
            Guard("dispatcher", () => dispatcher.RunAsync(startup.StartPosition, stoppingToken)),
        };
        await Task.WhenAll(tasks);
    }

    private async Task Guard(string name, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            logger.LogCritical(ex, "The {Component} loop stopped", name);
            throw;
        }
    }
}
