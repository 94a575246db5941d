using System.Text.Json;
using Ledger.EventStore;
using Ledger.Projections;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ledger.Server.Hosting;

/// <summary><c>Ledger:Health</c>: how far the read models may trail the ledger and still be ready.</summary>
public sealed class HealthOptions
{
    public const string Section = "Ledger:Health";

    /// <summary>Ready while the read models are at most this many ledger positions behind its head.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, long.MaxValue)]
    public long MaxProjectionLag { get; set; } = 10_000;
}

/// <summary>
/// <c>/healthz/live</c>: the process answers (no dependency checked, so an outage never restarts it);
/// <c>/healthz/ready</c>: storage answers and the read models are caught up within <see cref="HealthOptions.MaxProjectionLag"/>.
/// </summary>
public static class LedgerHealthChecks
{
    private const string Ready = "ready";

    public static IServiceCollection AddLedgerHealthChecks(this IServiceCollection services)
    {
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHealthChecks()
            .AddCheck<StorageCheck>("storage", tags: [Ready])
            .AddCheck<ProjectionsCheck>("projections", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapLedgerHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new Dictionary<string, object>
        {
            ["status"] = report.Status == HealthStatus.Healthy ? "ok" : "unavailable",
            ["checks"] = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status == HealthStatus.Healthy ? "ok" : "unavailable", detail = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    private sealed class StorageCheck(IEventStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            try
            {
                return await store.IsHealthyAsync(timeout.Token) ? HealthCheckResult.Healthy("reachable") : HealthCheckResult.Unhealthy("unreachable");
            }
            catch (Exception ex) when (ex is OperationCanceledException or EventStoreException or System.Data.Common.DbException)
            {
                return HealthCheckResult.Unhealthy("unreachable");
            }
        }
    }

    private sealed class ProjectionsCheck(IEventStore store, ProjectionRunner projections, Microsoft.Extensions.Options.IOptions<HealthOptions> options) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            try
            {
                var lag = await store.ReadHeadPositionAsync(timeout.Token) - projections.Position;
                var detail = $"{Math.Max(0, lag)} positions behind the ledger (ready at most {options.Value.MaxProjectionLag})";
                return lag <= options.Value.MaxProjectionLag ? HealthCheckResult.Healthy(detail) : HealthCheckResult.Unhealthy(detail);
            }
            catch (Exception ex) when (ex is OperationCanceledException or EventStoreException or System.Data.Common.DbException)
            {
                return HealthCheckResult.Unhealthy("the ledger's head cannot be read");
            }
        }
    }
}
