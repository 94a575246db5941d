using Ledger.Application;
using Ledger.Application.Access;
using Ledger.Application.Inspection;
using Ledger.Application.Portal;
using Ledger.Application.Replay;
using Ledger.Dispatcher.Destinations;
using Ledger.Dispatcher.Http;
using Ledger.Dispatcher.Policies;
using Ledger.Dispatcher.Scheduling;
using Ledger.EventStore;
using Ledger.EventStore.Checkpoints;
using Ledger.EventStore.Cluster;
using Ledger.GraphQL.Subscriptions;
using Ledger.Projections;
using Ledger.Projections.Portal;
using Ledger.Projections.Stats;
using Ledger.Server.Auth;
using Microsoft.Extensions.Options;

namespace Ledger.Server.Hosting;

public static class LedgerServices
{
    /// <summary>The read side: projections, their runner and the in-memory registries it keeps current.</summary>
    public static IServiceCollection AddLedgerProjections(this IServiceCollection services)
    {
        services.AddSingleton<WebhookRegistry>();
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<PortalTokenRegistry>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton(sp => new StatsRetention(
            TimeSpan.FromDays((sp.GetRequiredService<IConfiguration>().GetSection(StatsOptions.Section).Get<StatsOptions>() ?? new StatsOptions()).Validate().MinuteRetentionDays),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ReadModelQueries>();
        services.AddSingleton(sp => sp.GetRequiredService<ReadModelDatabase>().CreateCheckpointStore());
        services.AddSingleton(sp => new ProjectionRunner(
            sp.GetRequiredService<IEventStore>(),
            sp.GetRequiredService<ReadModelDatabase>(),
            LedgerProjections.All(sp.GetRequiredService<StatsRetention>()),
            [sp.GetRequiredService<WebhookRegistry>(), sp.GetRequiredService<ApiKeys>(), sp.GetRequiredService<PortalTokenRegistry>(), sp.GetRequiredService<DeliveryMetrics>(), .. sp.GetServices<SubscriptionHub>()],
            sp.GetRequiredService<ILogger<ProjectionRunner>>(),
            sp.GetRequiredService<IClusterLeases>(),
            sp.GetRequiredService<ICheckpointStore>()));
        return services;
    }

    /// <summary>Commands (one implementation behind REST and GraphQL), fan-out and the dispatcher.</summary>
    public static IServiceCollection AddLedgerDelivery(this IServiceCollection services)
    {
        services.AddOptions<DispatcherOptions>().BindConfiguration(DispatcherOptions.Section)
            .Validate(o => o.TimeoutSeconds is >= 1 and <= 300, "Ledger:Delivery:TimeoutSeconds must be between 1 and 300")
            .Validate(o => o.MaxConcurrency >= 1 && o.MaxInFlight >= 1, "Ledger:Delivery:MaxConcurrency and MaxInFlight must be at least 1")
            .Validate(o => o.Breaker.FailureThreshold >= 1, "Ledger:Delivery:Breaker:FailureThreshold must be at least 1")
            .Validate(
                o => o.Breaker.CooldownSeconds >= 1 && o.Breaker.MaxCooldownSeconds >= o.Breaker.CooldownSeconds,
                "Ledger:Delivery:Breaker:CooldownSeconds must be at least 1 and MaxCooldownSeconds at least CooldownSeconds")
            .Validate(o => o.Breaker.ProbeTimeoutSeconds >= 1, "Ledger:Delivery:Breaker:ProbeTimeoutSeconds must be at least 1")
            .Validate(o => o.DisableAfterConsecutiveFailures >= 0, "Ledger:Delivery:DisableAfterConsecutiveFailures must be 0 (off) or more")
            .ValidateOnStart();
        services.AddOptions<LedgerLimits>().BindConfiguration(LedgerLimits.Section)
            .Validate(o => o.WebhooksPerTenant >= 1, "Ledger:Limits:WebhooksPerTenant must be at least 1")
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DispatcherOptions>>().Value);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<LedgerLimits>>().Value);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new DestinationGuard(new DestinationGuardOptions { AllowPrivateNetworks = sp.GetRequiredService<DispatcherOptions>().AllowPrivateNetworks }));
        services.AddSingleton<IDestinationPolicy, GuardPolicy>();
        services.AddSingleton<IWebhookSender>(sp => new WebhookSender(
            sp.GetRequiredService<DestinationGuard>(), sp.GetRequiredService<TimeProvider>(),
            new WebhookSenderOptions { ConnectTimeout = TimeSpan.FromSeconds(sp.GetRequiredService<DispatcherOptions>().TimeoutSeconds) },
            sp.GetRequiredService<ILogger<WebhookSender>>()));
        services.AddSingleton<LedgerService>();
        services.AddSingleton<PortalTokenService>();
        services.AddSingleton(sp => new AttemptRequestRenderer(
            sp.GetRequiredService<IEventStore>(), sp.GetRequiredService<WebhookRegistry>(),
            sp.GetService<ISigningSecretSource>()
                ?? new RegistrySigningSecrets(sp.GetRequiredService<WebhookRegistry>(), sp.GetRequiredService<Ledger.Keys.WebhookSecrets>()),
            sp.GetRequiredService<Ledger.Keys.IDeliverySigner>()));
        services.AddSingleton(sp => new ReplayJobs(
            sp.GetRequiredService<IEventStore>(), sp.GetRequiredService<ReadModelQueries>(), sp.GetRequiredService<WebhookRegistry>(),
            sp.GetRequiredService<LedgerService>(),
            (sp.GetRequiredService<IConfiguration>().GetSection(ReplayOptions.Section).Get<ReplayOptions>() ?? new ReplayOptions()).Validate(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ReplayJobs>>()));
        services.AddSingleton(sp => new Ledger.Application.Exports.ExportDownloads(
            (sp.GetRequiredService<IConfiguration>().GetSection(Ledger.Application.Exports.ExportOptions.Section).Get<Ledger.Application.Exports.ExportOptions>()
                ?? new Ledger.Application.Exports.ExportOptions()).Validate(),
            sp.GetRequiredService<Ledger.Projections.Portal.PortalTokenRegistry>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<LedgerAccess>();
        services.AddSingleton<OperationalEvents>();
        services.AddSingleton<FanOutReactor>();
        services.AddSingleton<IWebhookDirectory, RegistryWebhookDirectory>();
        services.AddSingleton<ILaneWorkIndex, ReadModelLaneWorkIndex>();
        services.AddSingleton(sp => new DeliveryPolicies(
            sp.GetRequiredService<IEventStore>(), sp.GetRequiredService<IWebhookDirectory>().Find, sp.GetRequiredService<DispatcherOptions>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DeliveryPolicies>>()));
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
