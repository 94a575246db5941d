using Ledger.Dispatcher.Scheduling;
using Ledger.Projections;

namespace Ledger.Server.Hosting;

/// <summary>The lanes with work, from the read models once they include the ledger up to the asked position.</summary>
public sealed class ReadModelLaneWorkIndex(ProjectionRunner projections, ReadModelQueries queries) : ILaneWorkIndex
{
    public async Task<IReadOnlyList<string>> LanesWithWorkAsync(long fence, CancellationToken cancellationToken)
    {
        await projections.WaitForPositionAsync(fence, cancellationToken);
        return await queries.LanesWithWorkAsync(cancellationToken);
    }
}
