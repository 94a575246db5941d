using Ledger.EventStore;
using Microsoft.Extensions.Logging;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>Reads the ledger in commit order from a position and hands each batch on; a failed read is retried.</summary>
internal sealed class LedgerFollower(IEventStore store, TimeProvider time, ILogger logger, int batchSize = 1000)
{
    private readonly PositionSignal _followed = new();

    /// <summary>The position of the last batch handed on.</summary>
    public long Position => _followed.Current;

    public async Task RunAsync(long position, Func<IReadOnlyList<StoredEvent>, CancellationToken, Task> onBatch, CancellationToken cancellationToken)
    {
        _followed.Advance(position);
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<StoredEvent> batch;
            try
            {
                batch = await store.ReadAllAsync(position, batchSize, cancellationToken);
                if (batch.Count == 0)
                {
                    await store.WaitForEventsAsync(position, cancellationToken);
                    continue;
                }
                await onBatch(batch, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Reading the ledger after {Position} failed; retrying", position);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                continue;
            }
            position = batch[^1].Position;
            _followed.Advance(position);
        }
    }
}
