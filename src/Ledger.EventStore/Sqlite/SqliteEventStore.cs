using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.EventStore.Sqlite;

/// <summary>
/// The embedded adapter: one SQLite file in WAL mode. Appends go through a queue to a single writer that commits
/// whatever is waiting as one transaction (group commit), a savepoint per caller so each caller's batch stays
/// atomic and independent. Positions are rowids handed out by that one writer, so they are gap-free and in
/// commit order. Readers use their own connections and never wait for the writer. One process owns a file.
/// </summary>
public sealed class SqliteEventStore : IEventStore
{
    /// <summary>The most requests one transaction takes, so one commit never holds callers for long.</summary>
    private const int MaxGroupRequests = 256;

    /// <summary>The event data after which a transaction takes no more requests (one request is never split).</summary>
    private const long MaxGroupBytes = 8 * 1024 * 1024;

    private const int MaxIdleReaders = 16;

    private readonly string _path;
    private readonly ILogger _logger;
    private readonly SqliteWriter _writer;
    private readonly SqliteReaderPool _readers;
    private readonly Channel<AppendRequest> _queue = Channel.CreateUnbounded<AppendRequest>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly Task _writerLoop;
    private TaskCompletionSource _committed = NewSignal();

    /// <summary>The last committed position, published by the writer before it signals <see cref="_committed"/>.</summary>
    private long _head;
    private int _disposed;

    private SqliteEventStore(string path, SqliteWriter writer, ILogger logger)
    {
        _path = path;
        _writer = writer;
        _logger = logger;
        _head = writer.ReadHead();
        _readers = new SqliteReaderPool(path, MaxIdleReaders);
        _writerLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>The full path of the ledger file.</summary>
    public string Path => _path;

    /// <summary>
    /// Opens (creating when missing, with its directory) the ledger file at <paramref name="path"/> and brings its
    /// schema up to date.
    /// </summary>
    /// <exception cref="EventStoreUnavailableException">The file cannot be opened as a ledger.</exception>
    public static SqliteEventStore Open(string path, ILogger<SqliteEventStore>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        SqliteConnection? connection = null;
        try
        {
            var directory = System.IO.Path.GetDirectoryName(fullPath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
            connection = SqliteSchema.OpenWriter(fullPath);
            var store = new SqliteEventStore(fullPath, new SqliteWriter(connection), logger ?? (ILogger)NullLogger.Instance);
            store._logger.LogInformation("Opened ledger {Path} (schema version {Version})", fullPath, SqliteSchema.CurrentVersion);
            return store;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            throw new EventStoreUnavailableException($"cannot open the ledger at {fullPath}: {e.Message}", e);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // A copy, so the queued request cannot change after it was checked.
        var streams = new StreamAppend[batch.Count];
        for (var i = 0; i < streams.Length; i++)
        {
            var append = batch[i] ?? throw new ArgumentException("a batch holds no null appends", nameof(batch));
            var events = append.Events.ToArray();
            if (events.Contains(null))
            {
                throw new ArgumentException("an append holds no null events", nameof(batch));
            }
            streams[i] = append with { Events = events };
        }
        AppendValidation.Validate(streams);
        cancellationToken.ThrowIfCancellationRequested();
        long bytes = 0;
        foreach (var append in streams)
        {
            foreach (var e in append.Events)
            {
                bytes += e.Data.Length;
            }
        }

        var request = new AppendRequest(streams, bytes);
        using var registration = cancellationToken.UnsafeRegister(
            static (state, token) => ((AppendRequest)state!).Cancel(token), request);
        if (!_queue.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(SqliteEventStore));
        }
        return await request.Completion.Task;
    }

    public Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 0, int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return Read<IReadOnlyList<StoredEvent>>(r => r.ReadStream(streamId, Math.Max(fromVersion, 0), maxCount), cancellationToken);
    }

    public Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return Read<IReadOnlyList<StoredEvent>>(r => r.ReadAll(afterPosition, maxCount), cancellationToken);
    }

    public Task<StoredEvent?> ReadAtAsync(long position, CancellationToken cancellationToken = default) =>
        Read(r => r.ReadAt(position), cancellationToken);

    public Task<StoredEvent?> FindByIdempotencyKeyAsync(string streamId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        return Read(r => r.FindByIdempotencyKey(streamId, idempotencyKey), cancellationToken);
    }

    public Task<long> ReadStreamVersionAsync(string streamId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        return Read(r => r.ReadStreamVersion(streamId), cancellationToken);
    }

    public Task<long> ReadHeadPositionAsync(CancellationToken cancellationToken = default) =>
        Read(r => r.ReadHeadPosition(), cancellationToken);

    public async Task WaitForEventsAsync(long afterPosition, CancellationToken cancellationToken)
    {
        // The signal is taken before the head is read, so a commit landing in between still wakes this wait.
        var committed = Volatile.Read(ref _committed);
        if (Volatile.Read(ref _head) > afterPosition || await ReadHeadPositionAsync(cancellationToken) > afterPosition)
        {
            return;
        }
        while (true)
        {
            await committed.Task.WaitAsync(cancellationToken);
            committed = Volatile.Read(ref _committed);
            if (Volatile.Read(ref _head) > afterPosition)
            {
                return;
            }
        }
    }

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _disposed) != 0 || _writerLoop.IsCompleted)
        {
            return false;
        }
        try
        {
            await ReadHeadPositionAsync(cancellationToken);
            return true;
        }
        catch (EventStoreUnavailableException)
        {
            return false;
        }
    }

    /// <summary>Lets the writer commit everything already queued, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _queue.Writer.TryComplete();
        await _writerLoop;
        _readers.Dispose();
        _writer.Dispose();
        Volatile.Read(ref _committed).TrySetException(new ObjectDisposedException(nameof(SqliteEventStore)));
        _logger.LogInformation("Closed ledger {Path}", _path);
    }

    private Task<T> Read<T>(Func<SqliteReader, T> read, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        try
        {
            return Task.FromResult(_readers.Use(read));
        }
        catch (SqliteException e)
        {
            return Task.FromException<T>(new EventStoreUnavailableException($"cannot read the ledger at {_path}: {e.Message}", e));
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<AppendRequest>(MaxGroupRequests);
        var outcomes = new AppendOutcome[MaxGroupRequests];
        while (await reader.WaitToReadAsync())
        {
            long bytes = 0;
            while (group.Count < MaxGroupRequests && bytes < MaxGroupBytes && reader.TryRead(out var request))
            {
                if (request.TryTake())
                {
                    group.Add(request);
                    bytes += request.Bytes;
                }
            }
            if (group.Count > 0)
            {
                Commit(group, outcomes);
                group.Clear();
            }
        }
    }

    /// <summary>Never throws: every request of the group is completed, after the commit, one way or the other.</summary>
    private void Commit(List<AppendRequest> group, AppendOutcome[] outcomes)
    {
        long head;
        try
        {
            head = _writer.Write(group, outcomes);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Appending {Count} requests to ledger {Path} failed; none of them was written", group.Count, _path);
            var unavailable = new EventStoreUnavailableException($"the ledger at {_path} could not be written: {e.Message}", e);
            foreach (var request in group)
            {
                request.Completion.TrySetException(unavailable);
            }
            return;
        }
        for (var i = 0; i < group.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.Refusal is { } refusal)
            {
                group[i].Completion.TrySetException(refusal);
            }
            else
            {
                group[i].Completion.TrySetResult(outcome.Result!);
            }
            outcomes[i] = default;
        }
        Volatile.Write(ref _head, head);
        Interlocked.Exchange(ref _committed, NewSignal()).TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
