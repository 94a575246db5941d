using System.Data.Common;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Checkpoints;
using Ledger.EventStore.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Projections;

/// <summary>Told of every batch the runner has committed, in order: in-memory views and subscriptions follow from here.</summary>
public interface IProjectionObserver
{
    void OnCommitted(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, long position);
}

/// <summary>
/// Reads the ledger from its checkpoint, applies each batch to every read model and stores the checkpoint in the
/// same transaction, so a read model is always exactly "the ledger up to position N". Observers hear of a batch
/// only after it committed, so whatever they announce can already be queried.
/// <para>
/// Where several instances share the read models, only the leader (<see cref="IClusterLeases"/>) writes them; the
/// others follow: they read the shared checkpoint and tell their observers of the events up to it, so every
/// instance's in-memory views stay current and <see cref="WaitForPositionAsync"/> means the same everywhere. The
/// checkpoint moves only from the value the writer last saw (a conditional update, the first statement of each
/// batch's transaction), so a deposed leader that has not noticed yet can never apply a batch a second time.
/// </para>
/// </summary>
public sealed class ProjectionRunner(
    IEventStore store,
    ReadModelDatabase database,
    IEnumerable<IProjection> projections,
    IEnumerable<IProjectionObserver>? observers = null,
    ILogger<ProjectionRunner>? logger = null,
    IClusterLeases? leases = null,
    ICheckpointStore? checkpoints = null)
{
    public const string CheckpointName = "read-models";

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long a follower waits for a checkpoint notification before reading the checkpoint anyway.</summary>
    private static readonly TimeSpan FollowPollInterval = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<IProjection> _projections = [.. projections];
    private readonly IReadOnlyList<IProjectionObserver> _observers = [.. observers ?? []];
    private readonly IClusterLeases _leases = leases ?? SingleInstanceLeases.Instance;
    private readonly ILogger _logger = logger ?? NullLogger<ProjectionRunner>.Instance;
    private readonly PositionSignal _position = new();
    private readonly ICheckpointStore _checkpoints = checkpoints ?? database.CreateCheckpointStore();
    private DbConnection? _connection;
    private long _checkpoint = -1;
    private bool _initialized;

    public int BatchSize { get; init; } = 2000;

    /// <summary>Events per transaction in <see cref="RebuildAsync"/>, where no one waits for a batch to be visible.</summary>
    public int RebuildBatchSize { get; init; } = 10_000;

    /// <summary>The position the read models include and the observers have been told of.</summary>
    public long Position => _position.Current;

    /// <summary>Completes once the read models include everything up to <paramref name="position"/> and the observers were told.</summary>
    public Task WaitForPositionAsync(long position, CancellationToken cancellationToken) => _position.WaitAsync(position, cancellationToken);

    public async Task<long> ReadCheckpointAsync(CancellationToken cancellationToken) => await _checkpoints.LoadAsync(CheckpointName, cancellationToken);

    /// <summary>
    /// Reads the checkpoint the observers start from. Call it before loading in-memory views from the read models:
    /// the runner then tells them of everything after it, so nothing committed meanwhile (by another instance) is missed.
    /// </summary>
    public async Task<long> InitializeAsync(CancellationToken cancellationToken)
    {
        var checkpoint = await ReadCheckpointAsync(cancellationToken);
        _position.Advance(checkpoint);
        _initialized = true;
        return checkpoint;
    }

    /// <summary>
    /// Waits until the observers here have been told of everything the read models include now, so that what
    /// another instance has acknowledged (a webhook it created) is in this instance's registry too. At once where
    /// this instance writes the read models itself.
    /// </summary>
    public async Task CatchUpWithReadModelsAsync(CancellationToken cancellationToken)
    {
        if (_leases.IsLeader)
        {
            return;
        }
        var checkpoint = await ReadCheckpointAsync(cancellationToken);
        await _position.WaitAsync(checkpoint, cancellationToken);
    }

    /// <summary>Follows the ledger until cancelled: writing the read models while this instance leads, following them otherwise.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!_initialized)
                {
                    await InitializeAsync(cancellationToken);
                }
                var leadership = _leases.WaitForLeadershipAsync(cancellationToken);
                if (!leadership.IsCompleted)
                {
                    using var following = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var follow = FollowAsync(following.Token);
                    await Task.WhenAny(leadership, follow);
                    await following.CancelAsync();
                    await follow;
                }
                var lost = await leadership;
                using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost);
                await LeadAsync(leading.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "The projection runner failed after position {Position}; retrying", _position.Current);
                await DelayAsync(cancellationToken);
            }
        }
    }

    /// <summary>Applies every event up to the current head; returns how many events it applied.</summary>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        if (!_initialized)
        {
            await InitializeAsync(cancellationToken);
        }
        await SyncCheckpointAsync(cancellationToken);
        var total = 0;
        int applied;
        while ((applied = await CatchUpOnceAsync(cancellationToken)) > 0)
        {
            total += applied;
        }
        return total;
    }

    /// <summary>
    /// Drops every read model, resets the checkpoint and replays the whole ledger, in batches of
    /// <see cref="RebuildBatchSize"/>, with the secondary indexes made after the replay
    /// (<see cref="ReadModelDatabase.BeginRebuildAsync"/>). Returns the events replayed.
    /// </summary>
    public async Task<long> RebuildAsync(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await DropConnectionAsync();
        await database.DropAsync(cancellationToken);
        await database.EnsureSchemaAsync(cancellationToken);
        _position.Reset();
        _checkpoint = 0;
        _initialized = true;
        long total = 0;
        var connection = _connection = await database.OpenAsync(cancellationToken);
        try
        {
            await database.BeginRebuildAsync(connection, cancellationToken);
            int applied;
            while ((applied = await CatchUpOnceAsync(cancellationToken, RebuildBatchSize)) > 0)
            {
                total += applied;
                progress?.Report(total);
            }
            await database.EndRebuildAsync(connection, cancellationToken);
        }
        finally
        {
            await DropConnectionAsync();
        }
        return total;
    }

    /// <summary>Writes the read models until <paramref name="cancellationToken"/> ends (leadership lost, or stopping).</summary>
    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Projections: writing the read models from position {Position}", _position.Current);
        _checkpoint = -1;
        try
        {
            while (true)
            {
                try
                {
                    await SyncCheckpointAsync(cancellationToken);
                    if (await CatchUpOnceAsync(cancellationToken) == 0)
                    {
                        await store.WaitForEventsAsync(_checkpoint, cancellationToken);
                    }
                }
                catch (CheckpointMovedException ex)
                {
                    _logger.LogWarning("Projections: {Reason}; reading it again", ex.Message);
                    _checkpoint = -1;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    // The outcome of a failed commit is unknown: read the checkpoint again rather than trust ours.
                    _logger.LogWarning(ex, "Projection batch after position {Position} failed; retrying", _checkpoint);
                    _checkpoint = -1;
                    await Task.Delay(RetryDelay, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _checkpoint = -1;
            await DropConnectionAsync();
        }
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    /// <summary>
    /// Tells the observers of what the leader (another instance) has committed, as each checkpoint commit is
    /// announced, until cancelled. Writes nothing.
    /// </summary>
    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Projections: following the read models another instance writes, from position {Position}", _position.Current);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var changed = database.CheckpointsChanged;
                var checkpoint = await ReadCheckpointAsync(cancellationToken);
                if (checkpoint > _position.Current)
                {
                    await ObserveUpToAsync(checkpoint, cancellationToken);
                    continue;
                }
                try
                {
                    await changed.WaitAsync(FollowPollInterval, cancellationToken);
                }
                catch (TimeoutException)
                {
                    // Read the checkpoint again: a notification may have been lost with a connection.
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Following the read models after position {Position} failed; retrying", _position.Current);
                await DelayAsync(cancellationToken);
            }
        }
    }

    /// <summary>When this runner does not know the checkpoint, reads it and tells the observers of what they missed up to it.</summary>
    private async Task SyncCheckpointAsync(CancellationToken cancellationToken)
    {
        if (_checkpoint >= 0)
        {
            return;
        }
        var checkpoint = await ReadCheckpointAsync(cancellationToken);
        await ObserveUpToAsync(checkpoint, cancellationToken);
        _checkpoint = checkpoint;
    }

    /// <summary>Tells the observers of the events after their position up to <paramref name="target"/>, which the read models include.</summary>
    private async Task ObserveUpToAsync(long target, CancellationToken cancellationToken)
    {
        while (_position.Current < target)
        {
            var stored = await store.ReadAllAsync(_position.Current, BatchSize, cancellationToken);
            var upTo = stored.Where(s => s.Position <= target).ToList();
            if (upTo.Count == 0)
            {
                // The ledger shows nothing up to the checkpoint: only a store replaced under the read models does that.
                _logger.LogWarning("The read models' checkpoint {Checkpoint} is past the ledger's events after {Position}", target, _position.Current);
                _position.Advance(target);
                return;
            }
            Notify(Deserialize(upTo), upTo[^1].Position);
        }
    }

    private async Task<int> CatchUpOnceAsync(CancellationToken cancellationToken, int? batchSize = null)
    {
        var from = _checkpoint;
        var stored = await store.ReadAllAsync(from, batchSize ?? BatchSize, cancellationToken);
        if (stored.Count == 0)
        {
            return 0;
        }
        var batch = Deserialize(stored);
        var last = stored[^1].Position;

        // One connection kept across batches (opened again after a failure): opening one per batch cost as much as the batch.
        var connection = _connection ??= await database.OpenAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var sql = new SqlSession(connection, transaction))
            {
                if (!await SqlCheckpointStore.TryMoveAsync(connection, transaction, CheckpointName, from, last, cancellationToken))
                {
                    await transaction.RollbackAsync(cancellationToken);
                    throw new CheckpointMovedException($"the read models' checkpoint is no longer at {from}: another instance wrote them");
                }
                foreach (var (s, e) in batch)
                {
                    foreach (var projection in _projections)
                    {
                        projection.Apply(sql, s, e);
                    }
                }
                sql.WriteDeferred();
                if (database.NotifyCheckpointSql is { } notify)
                {
                    sql.Execute(notify);
                }
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not CheckpointMovedException)
        {
            await DropConnectionAsync();
            throw;
        }
        _checkpoint = last;
        Notify(batch, last);
        return stored.Count;
    }

    private static List<(StoredEvent, ILedgerEvent)> Deserialize(IReadOnlyList<StoredEvent> stored)
    {
        var batch = new List<(StoredEvent, ILedgerEvent)>(stored.Count);
        foreach (var s in stored)
        {
            if (EventSerializer.Deserialize(s) is { } e)
            {
                batch.Add((s, e));
            }
        }
        return batch;
    }

    /// <summary>Tells every observer of the events it has not been told of yet, then advances the position.</summary>
    private void Notify(List<(StoredEvent Stored, ILedgerEvent Event)> batch, long last)
    {
        var seen = _position.Current;
        if (last <= seen)
        {
            return;
        }
        IReadOnlyList<(StoredEvent, ILedgerEvent)> fresh = batch.Count > 0 && batch[0].Stored.Position <= seen
            ? batch.Where(b => b.Stored.Position > seen).ToList()
            : batch;
        foreach (var observer in _observers)
        {
            try
            {
                observer.OnCommitted(fresh, last);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Observer {Observer} failed on the batch up to {Position}", observer.GetType().Name, last);
            }
        }
        _position.Advance(last);
    }

    private static async Task DelayAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(RetryDelay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The checkpoint was not where this writer left it: someone else wrote the read models.</summary>
    private sealed class CheckpointMovedException(string message) : Exception(message);
}
