using Ledger.Domain;
using Ledger.EventStore;
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
/// </summary>
public sealed class ProjectionRunner(
    IEventStore store,
    ReadModelDatabase database,
    IEnumerable<IProjection> projections,
    IEnumerable<IProjectionObserver>? observers = null,
    ILogger<ProjectionRunner>? logger = null)
{
    public const string CheckpointName = "read-models";

    private readonly IReadOnlyList<IProjection> _projections = [.. projections];
    private readonly IReadOnlyList<IProjectionObserver> _observers = [.. observers ?? []];
    private readonly ILogger _logger = logger ?? NullLogger<ProjectionRunner>.Instance;
    private readonly PositionSignal _position = new();

    public int BatchSize { get; init; } = 2000;

    /// <summary>The position the read models have caught up to.</summary>
    public long Position => _position.Current;

    /// <summary>Completes once the read models include everything up to <paramref name="position"/>.</summary>
    public Task WaitForPositionAsync(long position, CancellationToken cancellationToken) => _position.WaitAsync(position, cancellationToken);

    public async Task<long> ReadCheckpointAsync(CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var sql = new SqlSession(connection, null);
        var rows = await sql.QueryAsync("SELECT position FROM checkpoints WHERE name = @name", r => r.Long(0), cancellationToken, ("@name", CheckpointName));
        return rows.Count == 0 ? 0 : rows[0];
    }

    /// <summary>Follows the ledger until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var checkpoint = await ReadCheckpointAsync(cancellationToken);
        _position.Advance(checkpoint);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var applied = await CatchUpOnceAsync(cancellationToken);
                if (applied == 0)
                {
                    await store.WaitForEventsAsync(_position.Current, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is EventStoreException or System.Data.Common.DbException)
            {
                _logger.LogWarning(ex, "Projection batch after position {Position} failed; retrying", _position.Current);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    /// <summary>Applies every event up to the current head; returns how many events it applied.</summary>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        if (_position.Current == 0)
        {
            _position.Advance(await ReadCheckpointAsync(cancellationToken));
        }
        var total = 0;
        int applied;
        while ((applied = await CatchUpOnceAsync(cancellationToken)) > 0)
        {
            total += applied;
        }
        return total;
    }

    /// <summary>Drops every read model, resets the checkpoint and replays the whole ledger. Returns the events replayed.</summary>
    public async Task<long> RebuildAsync(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await database.DropAsync(cancellationToken);
        await database.EnsureSchemaAsync(cancellationToken);
        _position.Reset();
        long total = 0;
        int applied;
        while ((applied = await CatchUpOnceAsync(cancellationToken)) > 0)
        {
            total += applied;
            progress?.Report(total);
        }
        return total;
    }

    private async Task<int> CatchUpOnceAsync(CancellationToken cancellationToken)
    {
        var from = _position.Current;
        var stored = await store.ReadAllAsync(from, BatchSize, cancellationToken);
        if (stored.Count == 0)
        {
            return 0;
        }
        var batch = new List<(StoredEvent, ILedgerEvent)>(stored.Count);
        foreach (var s in stored)
        {
            var e = EventSerializer.Deserialize(s);
            if (e is not null)
            {
                batch.Add((s, e));
            }
        }
        var last = stored[^1].Position;

        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var sql = new SqlSession(connection, transaction))
            {
                foreach (var (s, e) in batch)
                {
                    foreach (var projection in _projections)
                    {
                        projection.Apply(sql, s, e);
                    }
                }
                sql.Execute(
                    "INSERT INTO checkpoints (name, position) VALUES (@name, @position) ON CONFLICT (name) DO UPDATE SET position = @position",
                    ("@name", CheckpointName), ("@position", last));
            }
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var observer in _observers)
        {
            try
            {
                observer.OnCommitted(batch, last);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Observer {Observer} failed on the batch up to {Position}", observer.GetType().Name, last);
            }
        }
        _position.Advance(last);
        return stored.Count;
    }
}

/// <summary>A monotonically advancing position that tasks can wait on.</summary>
public sealed class PositionSignal
{
    private readonly Lock _gate = new();
    private long _current;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Current => Volatile.Read(ref _current);

    public void Advance(long position)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (position <= _current)
            {
                return;
            }
            _current = position;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public void Reset()
    {
        lock (_gate)
        {
            _current = 0;
        }
    }

    public async Task WaitAsync(long position, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_current >= position)
                {
                    return;
                }
                changed = _changed.Task;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }
}
