using Ledger.Dispatcher.Policies;
using Ledger.Domain;
using Ledger.EventStore;
using Microsoft.Extensions.Logging;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// Appends what a decider makes of a lane's current state with the lane's expected version, so two writers can
/// never both act on one head; on a conflict it reloads the lane and decides again.
/// </summary>
internal sealed class LaneRecorder(IEventStore store, LaneCache lanes, LaneLoader loader, TimeProvider time, ILogger logger, DeliveryPolicies? policies = null)
{
    public const int MaxConflicts = 10;

    /// <returns>The events appended (none when the decider had nothing to add, or the lane is not held).</returns>
    public async Task<IReadOnlyList<ILedgerEvent>> RecordAsync(string streamId, string deliveryId, Func<LaneState, IReadOnlyList<ILedgerEvent>> decide, CancellationToken cancellationToken)
    {
        for (var conflicts = 0; ; conflicts++)
        {
            if (lanes.Snapshot(streamId) is not var (state, version))
            {
                return [];
            }
            IReadOnlyList<ILedgerEvent> decided;
            try
            {
                decided = decide(state);
            }
            catch (DomainException ex)
            {
                logger.LogWarning("Outcome for {DeliveryId} dropped: {Reason}", deliveryId, ex.Message);
                return [];
            }
            if (decided.Count == 0)
            {
                return [];
            }
            var now = time.GetUtcNow();
            AppendResult appended;
            try
            {
                appended = await store.AppendAsync(
                    [new StreamAppend(streamId, version < 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(version), [.. decided.Select(e => EventSerializer.ToNew(e, now))])],
                    cancellationToken);
            }
            catch (WrongExpectedVersionException) when (conflicts < MaxConflicts)
            {
                await loader.LoadAsync(streamId, cancellationToken);
                continue;
            }
            lanes.ApplyOwn(streamId, version, decided);
            if (policies is not null)
            {
                // Before the lane looks again: a transition this outcome causes (a 410's disable) must hold it.
                await policies.ReportAsync(streamId, decided, appended.Streams.FirstOrDefault(s => s.StreamId == streamId));
            }
            return decided;
        }
    }
}
