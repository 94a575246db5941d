using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Projections.Replay;

/// <summary>
/// Bulk replays by id, where each started (its ledger position) and whether it ended: a server taking the lead
/// finds the jobs a restart interrupted here, without reading every tenant's stream.
/// </summary>
public sealed class ReplayJobsProjection : IProjection
{
    public const string Table = "replay_jobs";

    public const string Schema =
        """
        CREATE TABLE IF NOT EXISTS replay_jobs (
            id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, started_position BIGINT NOT NULL, ended_at BIGINT)
        """;

    public string Name => "replay-jobs";

    public void Apply(SqlSession sql, StoredEvent stored, ILedgerEvent e)
    {
        switch (e)
        {
            case ReplayJobStarted x:
                sql.Execute(
                    "INSERT INTO replay_jobs (id, tenant_id, started_position) VALUES (@id, @tenant, @position) ON CONFLICT (id) DO NOTHING",
                    ("@id", x.JobId), ("@tenant", StreamTenant.Of(stored.StreamId)), ("@position", stored.Position));
                break;
            case ReplayJobEnded x:
                sql.Execute("UPDATE replay_jobs SET ended_at = @at WHERE id = @id AND ended_at IS NULL", ("@at", Micros.From(x.EndedAt)), ("@id", x.JobId));
                break;
        }
    }
}
