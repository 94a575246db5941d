using Ledger.Application;
using Ledger.Dispatcher.Destinations;
using Ledger.Dispatcher.Http;
using Ledger.Dispatcher.Scheduling;
using Ledger.EventStore;
using Ledger.GraphQL.Subscriptions;
using Ledger.Projections;
using Ledger.Projections.Cluster;
using Ledger.Server.Auth;

namespace Ledger.Server.Hosting;

public static class LedgerServices
{
    /// <summary>The read side: projections, their runner and the in-memory registries it keeps current.</summary>
    public static IServiceCollection AddLedgerProjections(this IServiceCollection services)
    {
        services.AddSingleton<WebhookRegistry>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<ReadModelQueries>();
        services.AddSingleton(sp => new ProjectionRunner(
            sp.GetRequiredService<IEventStore>(),
            sp.GetRequiredService<ReadModelDatabase>(),
            [new WebhooksProjection(), new EventsProjection(), new DeliveriesProjection()],
            [sp.GetRequiredService<WebhookRegistry>(), sp.GetRequiredService<ApiKeys>(), sp.GetRequiredService<DeliveryMetrics>(), .. sp.GetServices<SubscriptionHub>()],
            sp.GetRequiredService<ILogger<ProjectionRunner>>(),
            sp.GetRequiredService<IClusterLeases>()));
        return services;
    }

    /// <summary>Commands (one implementation behind REST and GraphQL), fan-out and the dispatcher.</summary>
    public static IServiceCollection AddLedgerDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        var delivery = configuration.GetSection("Ledger:Delivery").Get<DispatcherOptions>() ?? new DispatcherOptions();
        if (delivery.TimeoutSeconds is < 1 or > 300)
        {
            throw new InvalidOperationException("Ledger:Delivery:TimeoutSeconds must be between 1 and 300");
        }
        if (delivery.MaxConcurrency < 1 || delivery.MaxInFlight < 1)
        {
            throw new InvalidOperationException("Ledger:Delivery:MaxConcurrency and MaxInFlight must be at least 1");
        }
        var limits = configuration.GetSection("Ledger:Limits").Get<LedgerLimits>() ?? new LedgerLimits();
        services.AddSingleton(delivery);
        services.AddSingleton(limits);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new DestinationGuard(new DestinationGuardOptions { AllowPrivateNetworks = delivery.AllowPrivateNetworks }));
        services.AddSingleton<IDestinationPolicy, GuardPolicy>();
        services.AddSingleton<IWebhookSender>(sp => new WebhookSender(
            sp.GetRequiredService<DestinationGuard>(), sp.GetRequiredService<TimeProvider>(), new WebhookSenderOptions { ConnectTimeout = TimeSpan.FromSeconds(delivery.TimeoutSeconds) },
            sp.GetRequiredService<ILogger<WebhookSender>>()));
        services.AddSingleton<LedgerService>();
        services.AddSingleton<FanOutReactor>();
        services.AddSingleton<LaneDispatcher>();
        services.AddHostedService<LedgerWorker>();
        return services;
    }

    private sealed class GuardPolicy(DestinationGuard guard) : IDestinationPolicy
    {
        public async Task<string?> RefusalAsync(Uri url, CancellationToken cancellationToken)
        {
            var check = await guard.CheckUrlAsync(url, cancellationToken);
            return check.IsAllowed ? null : check.Reason;
        }
    }
}
