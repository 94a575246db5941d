using Ledger.Projections.Audit;
using Ledger.Projections.Portal;
using Ledger.Projections.Replay;
using Ledger.Projections.Stats;

namespace Ledger.Projections;

/// <summary>
/// Every read model the runner keeps, in the order it applies them: the audit trail first (it reads a webhook's row as
/// it was before an update), then webhooks (the others look them up).
/// </summary>
public static class LedgerProjections
{
    public static IReadOnlyList<IProjection> All() =>
        [new AuditProjection(), new WebhooksProjection(), new EventsProjection(), new DeliveriesProjection(), new DeliveryStatsProjection(), new PortalTokensProjection(), new ReplayJobsProjection()];
}
