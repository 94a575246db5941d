using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ledger.EventStore.Cluster;

/// <summary>
/// Leases among the instances sharing one PostgreSQL database, held as session-level advisory locks on one
/// dedicated connection per instance. A lock lives exactly as long as the session that took it: an instance that
/// dies, or whose connection is cut, loses all its leases at once on the server, and another instance takes them
/// at its next check (every <see cref="ClusterOptions.LeaseCheckInterval"/>, one round trip).
/// <list type="bullet">
/// <item>Leader: one lock; whoever holds it runs the projections and the fan-out.</item>
/// <item>Lane buckets: one lock each. Each instance counts the members (each holds a membership lock) and aims
/// for its fair share, ⌈buckets / members⌉: it takes free buckets up to it, and hands back the excess after
/// draining what is in flight on them. A newly taken bucket becomes active only after
/// <see cref="ClusterOptions.TakeoverGrace"/>, so an instance whose session was ended under it has time to notice
/// (its connection reports the end at once; the check loop waits on it) before anyone sends on its lanes.</item>
/// </list>
/// When the connection fails, every lease is given up locally at once, then taken again once it is back.
/// The lock keys are derived from the store's schema, so stores in different schemas of one database never meet.
/// </summary>
public sealed class PostgresClusterLeases : IClusterLeases, IAsyncDisposable
{
    private const int LeaderKey = 0;

    private readonly NpgsqlDataSource _source;
    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _leaseSpace;
    private readonly int _memberSpace;
    private readonly int[] _preference;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Held> _held = [];
    private readonly List<ILaneBucketOwner> _owners = [];
    private TaskCompletionSource<CancellationToken> _leadership = NewLeadership();
    private CancellationTokenSource? _leading;
    private int _lastReportedShare = -1;
    private DateTimeOffset? _sessionLostAt;

    /// <param name="connectionString">The ledger's Npgsql connection string.</param>
    /// <param name="schema">The event store's schema: instances on the same schema form one cluster.</param>
    public PostgresClusterLeases(string connectionString, string schema, ClusterOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _leaseSpace = Space("ledger.lease:" + schema);
        _memberSpace = Space("ledger.member:" + schema);
        if (_memberSpace == _leaseSpace)
        {
            _memberSpace ^= 1;
        }
        var offset = RandomNumberGenerator.GetInt32(options.LaneBuckets);
        _preference = [.. Enumerable.Range(0, options.LaneBuckets).Select(i => (i + offset) % options.LaneBuckets)];

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        var application = string.IsNullOrEmpty(settings.ApplicationName) ? "ledger" : settings.ApplicationName;
        settings.ApplicationName = application + "-lease";
        settings.Pooling = false;
        settings.CommandTimeout = 5;
        settings.Timeout = 5;
        var builder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        _source = builder.Build();
    }

    public bool IsLeader
    {
        get
        {
            lock (_gate)
            {
                return _leading is not null;
            }
        }
    }

    public int LaneBuckets => _options.LaneBuckets;

    public int OwnedBuckets
    {
        get
        {
            lock (_gate)
            {
                return _held.Values.Count(h => h.Active);
            }
        }
    }

    public Task<CancellationToken> WaitForLeadershipAsync(CancellationToken cancellationToken)
    {
        Task<CancellationToken> leadership;
        lock (_gate)
        {
            leadership = _leadership.Task;
        }
        return leadership.WaitAsync(cancellationToken);
    }

    public void Attach(ILaneBucketOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        lock (_gate)
        {
            if (_owners.Contains(owner))
            {
                return;
            }
            _owners.Add(owner);
            foreach (var (bucket, held) in _held)
            {
                if (held.Active)
                {
                    owner.OnBucketAcquired(bucket);
                }
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(cancellationToken);
                try
                {
                    await JoinAsync(connection, cancellationToken);
                    while (true)
                    {
                        var next = await CheckAsync(connection, cancellationToken);
                        if (failures > 0)
                        {
                            _logger.LogInformation("Cluster leases: the database is back after {Failures} failed attempts", failures);
                            failures = 0;
                        }
                        // Returns early on anything the server sends, and throws at once when it ends the session.
                        await connection.WaitAsync(next, cancellationToken);
                    }
                }
                finally
                {
                    // Stop acting on the leases before closing the session releases them to the other instances.
                    LoseEverything();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LoseEverything();
                _sessionLostAt = _time.GetUtcNow();
                if (failures++ == 0)
                {
                    _logger.LogWarning(e, "Cluster leases: lost the database connection; every lease is given up until it is back");
                }
                try
                {
                    await Task.Delay(_options.LeaseCheckInterval, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        LoseEverything();
    }

    public async ValueTask DisposeAsync() => await _source.DisposeAsync();

    /// <summary>
    /// For a maintenance verb that needs the ledger to itself: the leader lease of <paramref name="schema"/>, held
    /// until disposed, so that no instance starts leading meanwhile; null when an instance runs on it (it is a member
    /// of the cluster, or leads).
    /// </summary>
    public static async Task<IAsyncDisposable?> TryHoldAloneAsync(string connectionString, string schema, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        var connection = new NpgsqlConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var leaseSpace = Space("ledger.lease:" + schema);
            var memberSpace = Space("ledger.member:" + schema);
            if (memberSpace == leaseSpace)
            {
                memberSpace ^= 1;
            }
            if (await TryLockAsync(connection, leaseSpace, LeaderKey, cancellationToken))
            {
                await using var members = new NpgsqlCommand(
                    """
                    SELECT count(*) FROM pg_locks
                    WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid::bigint = $1
                      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """,
                    connection);
                members.Parameters.Add(new NpgsqlParameter<long> { TypedValue = memberSpace });
                if ((long)(await members.ExecuteScalarAsync(cancellationToken))! == 0)
                {
                    return connection;
                }
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    /// <summary>Takes this instance's membership lock (a random key; another if it is taken), which others count.</summary>
    private async Task JoinAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        while (!await TryLockAsync(connection, _memberSpace, RandomNumberGenerator.GetInt32(1, int.MaxValue), cancellationToken))
        {
        }
    }

    /// <summary>
    /// An instance whose session was just lost (cut off, or ended by the database) leaves the leader lease to the other
    /// members for one <see cref="ClusterOptions.TakeoverGrace"/>: the healthy ones take over rather than the instance
    /// that may be flapping. Alone, it leads again at once.
    /// </summary>
    private bool MayTryToLead(int members) =>
        members <= 1 || _sessionLostAt is not { } lost || _time.GetUtcNow() - lost >= _options.TakeoverGrace;

    /// <summary>One round of the lease loop; returns how long to wait before the next.</summary>
    private async Task<TimeSpan> CheckAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var (members, taken) = await ReadLocksAsync(connection, cancellationToken);

        if (!IsLeader && !taken.Contains(LeaderKey) && MayTryToLead(members)
            && await TryLockAsync(connection, _leaseSpace, LeaderKey, cancellationToken))
        {
            BecomeLeader();
        }

        foreach (var bucket in Drained())
        {
            await UnlockAsync(connection, _leaseSpace, bucket + 1, cancellationToken);
            lock (_gate)
            {
                _held.Remove(bucket);
            }
        }

        var target = (_options.LaneBuckets + members - 1) / members;
        var kept = KeptCount();
        var now = _time.GetUtcNow();
        if (kept < target)
        {
            foreach (var bucket in _preference)
            {
                if (kept >= target)
                {
                    break;
                }
                bool mine;
                lock (_gate)
                {
                    mine = _held.ContainsKey(bucket);
                }
                if (mine || taken.Contains(bucket + 1) || !await TryLockAsync(connection, _leaseSpace, bucket + 1, cancellationToken))
                {
                    continue;
                }
                lock (_gate)
                {
                    _held[bucket] = new Held(now);
                }
                kept++;
            }
        }
        else if (kept > target)
        {
            Release(kept - target);
        }

        var next = Activate();
        ReportShare(members, target);
        return next;
    }

    private async Task<(int Members, HashSet<long> Taken)> ReadLocksAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT classid::bigint, objid::bigint FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid::bigint IN ($1, $2)
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _leaseSpace });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _memberSpace });
        var members = 0;
        var taken = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt64(0) == _memberSpace)
            {
                members++;
            }
            else
            {
                taken.Add(reader.GetInt64(1));
            }
        }
        return (Math.Max(members, 1), taken);
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, int space, int key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = space });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = key });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task UnlockAsync(NpgsqlConnection connection, int space, int key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = space });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = key });
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private void BecomeLeader()
    {
        TaskCompletionSource<CancellationToken> leadership;
        CancellationToken token;
        lock (_gate)
        {
            _leading = new CancellationTokenSource();
            token = _leading.Token;
            leadership = _leadership;
        }
        _logger.LogInformation("Cluster leases: this instance leads (projections and fan-out run here)");
        leadership.TrySetResult(token);
    }

    private int KeptCount()
    {
        lock (_gate)
        {
            return _held.Values.Count(h => h.Draining is null);
        }
    }

    private List<int> Drained()
    {
        lock (_gate)
        {
            return [.. _held.Where(h => h.Value.Draining is { IsCompleted: true }).Select(h => h.Key)];
        }
    }

    /// <summary>Starts handing back <paramref name="count"/> buckets, those this instance prefers least.</summary>
    private void Release(int count)
    {
        lock (_gate)
        {
            var rank = new Dictionary<int, int>();
            for (var i = 0; i < _preference.Length; i++)
            {
                rank[_preference[i]] = i;
            }
            foreach (var bucket in _held.Where(h => h.Value.Draining is null).Select(h => h.Key).OrderByDescending(b => rank[b]).Take(count).ToList())
            {
                var held = _held[bucket];
                if (held.Active)
                {
                    held.Active = false;
                    held.Draining = Task.WhenAll(_owners.Select(o => o.OnBucketReleasingAsync(bucket)).ToList());
                }
                else
                {
                    held.Draining = Task.CompletedTask;
                }
            }
        }
    }

    /// <summary>Activates the buckets whose grace has passed; returns the wait until the next check.</summary>
    private TimeSpan Activate()
    {
        var now = _time.GetUtcNow();
        var next = _options.LeaseCheckInterval;
        lock (_gate)
        {
            foreach (var (bucket, held) in _held)
            {
                if (held.Active || held.Draining is not null)
                {
                    continue;
                }
                var due = held.AcquiredAt + _options.TakeoverGrace;
                if (due <= now)
                {
                    held.Active = true;
                    foreach (var owner in _owners)
                    {
                        owner.OnBucketAcquired(bucket);
                    }
                }
                else if (due - now < next)
                {
                    next = due - now;
                }
            }
        }
        return next < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : next;
    }

    /// <summary>Gives up every lease locally: the session that held them is gone (or going).</summary>
    private void LoseEverything()
    {
        CancellationTokenSource? leading;
        lock (_gate)
        {
            foreach (var (bucket, held) in _held)
            {
                if (held.Active)
                {
                    foreach (var owner in _owners)
                    {
                        owner.OnBucketLost(bucket);
                    }
                }
            }
            _held.Clear();
            leading = _leading;
            _leading = null;
            if (leading is not null)
            {
                _leadership = NewLeadership();
            }
            _lastReportedShare = -1;
        }
        if (leading is not null)
        {
            _logger.LogWarning("Cluster leases: this instance no longer leads");
            leading.Cancel();
        }
    }

    private void ReportShare(int members, int target)
    {
        var owned = OwnedBuckets;
        if (owned == _lastReportedShare)
        {
            return;
        }
        _lastReportedShare = owned;
        _logger.LogInformation(
            "Cluster leases: {Members} instance(s), a fair share is {Target}; this one owns {Owned} of {Buckets} lane buckets", members, target, owned, _options.LaneBuckets);
    }

    private static int Space(string text) => BinaryPrimitives.ReadInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text))) & int.MaxValue;

    private static TaskCompletionSource<CancellationToken> NewLeadership() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Held(DateTimeOffset acquiredAt)
    {
        public DateTimeOffset AcquiredAt { get; } = acquiredAt;

        /// <summary>Past its grace and told to the owners.</summary>
        public bool Active { get; set; }

        /// <summary>Set once the bucket is being handed back; the lock is released when it completes.</summary>
        public Task? Draining { get; set; }
    }
}
