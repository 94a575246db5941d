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
    /// <param name="statsRetention">How long minute statistics are kept: older ones are not written (all are, without it).</param>
    public static IReadOnlyList<IProjection> All(StatsRetention? statsRetention = null) =>
        [new AuditProjection(), new WebhooksProjection(), new EventsProjection(), new DeliveriesProjection(), new DeliveryStatsProjection(statsRetention), new PortalTokensProjection(), new ReplayJobsProjection()];
}
