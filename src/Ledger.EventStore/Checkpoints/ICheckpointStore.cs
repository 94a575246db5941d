namespace Ledger.EventStore.Checkpoints;

/// <summary>
/// How far each consumer of the ledger (the read models, the fan-out) has got, by consumer name: the one place
/// every consumer keeps its checkpoint.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>The consumer's stored position; 0 when it has none yet.</summary>
    Task<long> LoadAsync(string consumer, CancellationToken cancellationToken);

    /// <summary>Stores the consumer's position; a checkpoint never moves backwards.</summary>
    Task StoreAsync(string consumer, long position, CancellationToken cancellationToken);
}
