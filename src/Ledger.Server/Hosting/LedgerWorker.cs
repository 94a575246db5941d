using Ledger.Application;
using Ledger.Dispatcher.Scheduling;
using Ledger.Projections;
using Ledger.Projections.Cluster;

namespace Ledger.Server.Hosting;

/// <summary>
/// Runs, for as long as the host runs: the cluster leases, the projection runner (writing the read models while
/// this instance leads, following them otherwise), the fan-out reactor (only while leading) and the dispatcher
/// (on the lanes of the buckets this instance owns). Each loop retries its own failures, such as a lost database.
/// </summary>
public sealed class LedgerWorker(
    IClusterLeases leases,
    ProjectionRunner projections,
    FanOutReactor fanOut,
    LaneDispatcher dispatcher,
    LedgerStartup startup,
    IHostApplicationLifetime lifetime,
    ILogger<LedgerWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        dispatcher.AttemptRecorded += DeliveryMetrics.RecordAttempt;
        Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() => DeliveryMetrics.Sample(dispatcher.QueueDepth, dispatcher.InFlight));
        var tasks = new[]
        {
            Guard("leases", () => leases.RunAsync(stoppingToken)),
            Guard("projections", () => projections.RunAsync(stoppingToken)),
            Guard("fan-out", () => WhileLeadingAsync(fanOut.RunAsync, stoppingToken)),
            Guard("dispatcher", () => dispatcher.RunAsync(startup.StartPosition, stoppingToken)),
        };
        await Task.WhenAll(tasks);
    }

    /// <summary>
    /// Runs <paramref name="run"/> each time this instance becomes the leader, until it stops leading. Whatever it
    /// throws is logged and it is started again: a leader-only loop must not end while the process lives.
    /// </summary>
    private async Task WhileLeadingAsync(Func<CancellationToken, Task> run, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var lost = await leases.WaitForLeadershipAsync(stoppingToken);
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lost);
            try
            {
                await run(leading.Token);
            }
            catch (Exception) when (leading.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "A leader-only loop failed; starting it again");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
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
            // Each loop retries what it expects to fail (storage); anything else is a bug. A process that stays up
            // with a dead loop would deliver nothing and say nothing, so stop it for its supervisor to restart.
            logger.LogCritical(ex, "The {Component} loop stopped; stopping the server", name);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            throw;
        }
    }
}
