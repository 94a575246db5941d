using System.Diagnostics;
using Ledger.Domain;
using Ledger.EventStore.Tracing;

namespace Ledger.Application;

/// <summary>The span of one publish: a producer span whose context the published event keeps for its attempts.</summary>
internal static class PublishTrace
{
    public static Activity? Start(TenantId tenant, string type)
    {
        var activity = LedgerTracing.Source.StartActivity("ledger.publish", ActivityKind.Producer);
        activity?.SetTag("ledger.tenant", tenant.Value);
        activity?.SetTag("ledger.event.type", type);
        return activity;
    }

    public static PublishResult Published(Activity? activity, PublishResult result)
    {
        if (activity is not null)
        {
            activity.SetTag("ledger.event.id", result.EventId);
            activity.SetTag("ledger.event.created", result.Created);
            activity.SetTag("ledger.deliveries", result.Deliveries.Count);
        }
        return result;
    }
}
