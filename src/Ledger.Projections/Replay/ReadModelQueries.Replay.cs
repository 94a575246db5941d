using Ledger.Domain;

namespace Ledger.Projections;

public sealed partial class ReadModelQueries
{
    /// <summary>The bulk replays started and not ended: their tenant and the ledger position of their start, oldest first.</summary>
    public async Task<IReadOnlyList<(TenantId Tenant, string JobId, long StartedPosition)>> UnfinishedReplayJobsAsync(CancellationToken cancellationToken) =>
        await QueryAsync(
            "SELECT tenant_id, id, started_position FROM replay_jobs WHERE ended_at IS NULL ORDER BY started_position",
            r => (new TenantId(r.GetString(0)), r.GetString(1), r.Long(2)), cancellationToken);
}
