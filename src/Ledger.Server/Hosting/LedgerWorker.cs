using Ledger.Application;
using Ledger.Application.Replay;
using Ledger.Dispatcher.Policies;
using Ledger.Dispatcher.Scheduling;
using Ledger.EventStore;
using Ledger.EventStore.Cluster;
using Ledger.Projections;
using Ledger.Projections.Stats;

namespace Ledger.Server.Hosting;

/// <summary>
/// Runs, for as long as the host runs: the cluster leases, the projection runner (writing the read models while
/// this instance leads, following them otherwise), the fan-out reactor (only while leading) and the dispatcher
/// (on the lanes of the buckets this instance owns); on taking the lead, it resumes the bulk replays a restart
/// interrupted, and prunes minute statistics past their retention every hour. Each loop retries its own failures,
/// such as a lost database.
/// </summary>
public sealed class LedgerWorker(
    IClusterLeases leases,
    ProjectionRunner projections,
    FanOutReactor fanOut,
    LaneDispatcher dispatcher,
    DeliveryPolicies policies,
    LedgerStartup startup,
    IEventStore store,
    ReplayJobs replays,
    ReadModelQueries queries,
    StatsRetention statsRetention,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<LedgerWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        dispatcher.AttemptRecorded += DeliveryMetrics.RecordAttempt;
        DeliveryMetrics.Observe(() => dispatcher.QueueDepth, () => dispatcher.InFlight);
        var tasks = new[]
        {
            Guard("leases", () => leases.RunAsync(stoppingToken)),
            Guard("projections", () => projections.RunAsync(stoppingToken)),
            Guard("fan-out", () => WhileLeadingAsync(fanOut.RunAsync, stoppingToken)),
            Guard("dispatcher", () => dispatcher.RunAsync(startup.StartPosition, stoppingToken)),
            Guard("delivery policies", () => policies.RunAsync(startup.StartPosition, stoppingToken)),
            Guard("replay jobs", () => WhileLeadingAsync(ResumeReplaysAsync, stoppingToken)),
            Guard("statistics retention", () => WhileLeadingAsync(PruneStatisticsAsync, stoppingToken)),
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

    /// <summary>Once the read models include everything committed before this instance took the lead, resumes the interrupted replays; then holds the lead.</summary>
    private async Task ResumeReplaysAsync(CancellationToken leading)
    {
        await projections.WaitForPositionAsync(await store.ReadHeadPositionAsync(leading), leading);
        await replays.ResumeInterruptedAsync(leading);
        await Task.Delay(Timeout.Infinite, leading);
    }

    /// <summary>The cut falls on whole hours, so pruning more often would find nothing new.</summary>
    private async Task PruneStatisticsAsync(CancellationToken leading)
    {
        while (true)
        {
            try
            {
                var deleted = await queries.PruneMinuteStatsAsync(statsRetention.MinuteCutoffMicros(), leading);
                if (deleted > 0)
                {
                    logger.LogInformation("Pruned {Rows} minute statistics rows past their retention", deleted);
                }
            }
            catch (Exception ex) when (!leading.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Pruning minute statistics failed; trying again in an hour");
            }
            await Task.Delay(TimeSpan.FromHours(1), time, leading);
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
