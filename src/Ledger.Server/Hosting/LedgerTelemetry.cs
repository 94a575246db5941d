using Ledger.EventStore;
using Ledger.EventStore.Tracing;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Ledger.Server.Hosting;

public static class LedgerTelemetry
{
    /// <summary>The OTLP endpoint variable: traces are exported only when it is set.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// OpenTelemetry tracing of the <c>Ledger</c> source (publish, attempts, the traced event store) and of ASP.NET
    /// Core requests; exported by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard
    /// <c>OTEL_*</c> variables configure it), kept in-process otherwise. The event store is wrapped by
    /// <see cref="TracedEventStore"/>: call after <c>AddLedgerStorage</c>.
    /// </summary>
    public static IServiceCollection AddLedgerTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        DecorateEventStore(services, configuration);
        var tracing = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("ledger"))
            .WithTracing(tracing => tracing
                .AddSource(LedgerTracing.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsScrape(context.Request.Path)));
        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]))
        {
            tracing.WithTracing(t => t.AddOtlpExporter());
        }
        return services;
    }

    private static bool IsScrape(PathString path) =>
        path.StartsWithSegments("/metrics", StringComparison.Ordinal) || path.StartsWithSegments("/healthz", StringComparison.Ordinal);

    private static void DecorateEventStore(IServiceCollection services, IConfiguration configuration)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IEventStore))
            ?? throw new InvalidOperationException("AddLedgerTelemetry needs the event store registered first");
        var system = (configuration["Ledger:Storage:Provider"] ?? StorageOptions.SqliteProvider).ToLowerInvariant() == StorageOptions.PostgresProvider
            ? "postgresql" : "sqlite";
        services.Remove(registered);
        services.AddSingleton<IEventStore>(sp => new TracedEventStore(Resolve(registered, sp), system));
    }

    private static IEventStore Resolve(ServiceDescriptor registered, IServiceProvider services) =>
        (IEventStore)(registered.ImplementationInstance
            ?? registered.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, registered.ImplementationType!));
}
