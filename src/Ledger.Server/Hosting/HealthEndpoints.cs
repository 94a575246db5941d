using Ledger.EventStore;
using Ledger.EventStore.Cluster;
using Ledger.Projections;

namespace Ledger.Server.Hosting;

public static class HealthEndpoints
{
    /// <summary><c>/healthz</c>: 200 when storage answers, 503 when it does not.</summary>
    public static IEndpointRouteBuilder MapLedgerHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (IEventStore store, ProjectionRunner projections, IClusterLeases leases, CancellationToken cancellationToken) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            bool healthy;
            try
            {
                healthy = await store.IsHealthyAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or EventStoreException)
            {
                healthy = false;
            }
            var body = new
            {
                status = healthy ? "ok" : "unavailable",
                storage = healthy ? "ok" : "unreachable",
                projectionPosition = projections.Position,
                role = leases.IsLeader ? "leader" : "follower",
                laneBuckets = new { owned = leases.OwnedBuckets, total = leases.LaneBuckets },
            };
            return Results.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }

    /// <summary>
    /// Development only: <c>POST /dev/receiver</c> answers 200 and logs what it got, so the README walkthrough has a
    /// receiver without a second program. Not mapped in other environments.
    /// </summary>
    public static IEndpointRouteBuilder MapDevelopmentReceiver(this IEndpointRouteBuilder app)
    {
        app.MapPost("/dev/receiver", async (HttpRequest request, ILogger<LedgerWorker> logger) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            logger.LogInformation("Development receiver got {Bytes} bytes: {Body}", body.Length, body.Length > 500 ? body[..500] + "…" : body);
            return Results.Ok(new { received = true });
        });
        return app;
    }
}
