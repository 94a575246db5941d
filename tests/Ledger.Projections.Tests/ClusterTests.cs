using System.Collections.Concurrent;
using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Cluster;
using Ledger.EventStore.Postgres;
using Ledger.Projections;
using Ledger.TestSupport;
using Npgsql;

namespace Ledger.Projections.Tests;

/// <summary>
/// Several instances on one PostgreSQL database: the leases they split the work by (real advisory locks on real
/// sessions), and the projection runner as leader and as follower.
/// </summary>
public sealed class ClusterTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset T0 = new(2026, 5, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TenantId Tenant = new("acme");

    private static readonly ClusterOptions Fast = new() { LaneBuckets = 8, LeaseCheckSeconds = 0.1, TakeoverGraceSeconds = 0.3 };

    [Fact]
    public async Task One_instance_leads_and_another_takes_over_when_the_leaders_session_ends()
    {
        var schema = postgres.NewSchema();
        await using var a = Leases(schema, "a");
        await using var b = Leases(schema, "b");
        using var stop = new CancellationTokenSource();
        var running = new[] { a.RunAsync(stop.Token), b.RunAsync(stop.Token) };

        var first = await Task.WhenAny(a.WaitForLeadershipAsync(stop.Token), b.WaitForLeadershipAsync(stop.Token)).WithinAsync(Patience, "one instance leading");
        var (leader, follower, leaderName) = a.IsLeader ? (a, b, "a") : (b, a, "b");
        var deposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = (await first).Register(deposed.SetResult);
        Assert.False(follower.IsLeader);

        await TerminateSessionsAsync($"{schema}-{leaderName}-lease");
        await deposed.Task.WithinAsync(Patience, "the old leader noticing it lost its session");
        await follower.WaitForLeadershipAsync(stop.Token).WithinAsync(Patience, "the other instance taking over");

        Assert.True(follower.IsLeader);
        Assert.False(leader.IsLeader);
        await stop.CancelAsync();
        await Task.WhenAll(running).WithinAsync(Patience, "the lease loops stopping");
    }

    [Fact]
    public async Task Lane_buckets_split_fairly_and_a_departed_instances_buckets_are_taken_over_never_owned_twice()
    {
        var schema = postgres.NewSchema();
        var board = new OwnershipBoard();
        await using var a = Leases(schema, "a");
        await using var b = Leases(schema, "b");
        var ownerA = new RecordingOwner("a", board);
        var ownerB = new RecordingOwner("b", board);
        a.Attach(ownerA);
        b.Attach(ownerB);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();

        var runA = a.RunAsync(stopA.Token);
        await board.WaitUntilAsync(() => ownerA.Count == Fast.LaneBuckets, "a alone owning every bucket");
        var runB = b.RunAsync(stopB.Token);
        await board.WaitUntilAsync(() => ownerA.Count == 4 && ownerB.Count == 4, "a handing half of the buckets to b");
        await stopA.CancelAsync();
        await runA.WithinAsync(Patience, "a stopping");
        await board.WaitUntilAsync(() => ownerB.Count == Fast.LaneBuckets, "b taking over a's buckets");

        Assert.Empty(board.Violations);
        Assert.Equal(0, ownerA.Count);
        Assert.Equal(Fast.LaneBuckets, b.OwnedBuckets);
        await stopB.CancelAsync();
        await runB.WithinAsync(Patience, "b stopping");
    }

    [Fact]
    public async Task A_follower_tells_its_observers_only_what_the_leader_committed_and_leadership_moves_without_double_applying()
    {
        var (ledger, read) = (postgres.NewSchema(), postgres.NewSchema());
        await using var store = await PostgresEventStore.CreateAsync(postgres.ConnectionString, ledger);
        await using var databaseA = new PostgresReadModelDatabase(postgres.ConnectionString, read);
        await using var databaseB = new PostgresReadModelDatabase(postgres.ConnectionString, read);
        var leasesA = new SwitchedLeases();
        var leasesB = new SwitchedLeases();
        var registryB = new WebhookRegistry();
        var checkedB = new CheckpointCheckingObserver(postgres.ConnectionString, read);
        var runnerA = Runner(store, databaseA, leasesA);
        var runnerB = Runner(store, databaseB, leasesB, registryB, checkedB);
        using var stop = new CancellationTokenSource();
        await runnerA.InitializeAsync(stop.Token);
        await runnerB.InitializeAsync(stop.Token);
        var running = new[] { runnerA.RunAsync(stop.Token), runnerB.RunAsync(stop.Token) };

        await WriteHistoryAsync(store, 0, 30);
        leasesA.Lead();
        var head = await store.ReadHeadPositionAsync();
        await runnerB.WaitForPositionAsync(head, stop.Token).WithinAsync(Patience, "the follower catching up with the leader");

        Assert.Equal(["wh_a", "wh_b"], registryB.OfTenant(Tenant).Select(w => w.WebhookId));
        Assert.NotEmpty(checkedB.Seen);
        Assert.All(checkedB.Seen, s => Assert.True(s.Checkpoint >= s.Position, $"told of {s.Position} with the checkpoint at {s.Checkpoint}"));

        leasesA.Depose();
        leasesB.Lead();
        await WriteHistoryAsync(store, 30, 30);
        var later = await store.ReadHeadPositionAsync();
        await runnerA.WaitForPositionAsync(later, stop.Token).WithinAsync(Patience, "the old leader following the new one");
        await stop.CancelAsync();
        await Task.WhenAll(running).WithinAsync(Patience, "the runners stopping");

        Assert.Equal(await RebuiltDumpAsync(store), await new ReadModelQueries(databaseA).DumpAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Two_runners_that_both_believe_they_lead_never_apply_a_batch_twice()
    {
        var (ledger, read) = (postgres.NewSchema(), postgres.NewSchema());
        await using var store = await PostgresEventStore.CreateAsync(postgres.ConnectionString, ledger);
        await using var databaseA = new PostgresReadModelDatabase(postgres.ConnectionString, read);
        await using var databaseB = new PostgresReadModelDatabase(postgres.ConnectionString, read);
        var runnerA = Runner(store, databaseA, SingleInstanceLeases.Instance);
        var runnerB = Runner(store, databaseB, SingleInstanceLeases.Instance);
        using var stop = new CancellationTokenSource();
        var running = new[] { runnerA.RunAsync(stop.Token), runnerB.RunAsync(stop.Token) };

        await WriteHistoryAsync(store, 0, 60);
        var head = await store.ReadHeadPositionAsync();
        await Task.WhenAll(runnerA.WaitForPositionAsync(head, stop.Token), runnerB.WaitForPositionAsync(head, stop.Token))
            .WithinAsync(Patience, "both runners reaching the head");
        await stop.CancelAsync();
        await Task.WhenAll(running).WithinAsync(Patience, "the runners stopping");

        Assert.Equal(await RebuiltDumpAsync(store), await new ReadModelQueries(databaseA).DumpAsync(CancellationToken.None));
    }

    private PostgresClusterLeases Leases(string schema, string name) =>
        new(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { ApplicationName = $"{schema}-{name}" }.ConnectionString, schema, Fast);

    private static ProjectionRunner Runner(IEventStore store, ReadModelDatabase database, IClusterLeases leases, params IProjectionObserver[] observers) =>
        new(store, database, LedgerProjections.All(), observers, null, leases) { BatchSize = 7 };

    /// <summary>The read models replayed from scratch by one runner into a schema of their own.</summary>
    private async Task<string> RebuiltDumpAsync(IEventStore store)
    {
        await using var fresh = new PostgresReadModelDatabase(postgres.ConnectionString, postgres.NewSchema());
        await Runner(store, fresh, SingleInstanceLeases.Instance).RebuildAsync(null, CancellationToken.None);
        return await new ReadModelQueries(fresh).DumpAsync(CancellationToken.None);
    }

    /// <summary>Two webhooks (first time only), then events fanned out to them, each delivered or failed, lanes counted up and down.</summary>
    private static async Task WriteHistoryAsync(IEventStore store, int from, int count)
    {
        async Task AppendAsync(string stream, params ILedgerEvent[] events) =>
            await store.AppendAsync([new StreamAppend(stream, ExpectedVersion.Any, [.. events.Select(e => EventSerializer.ToNew(e, T0))])]);

        var tenantStream = Streams.Tenant(Tenant);
        if (from == 0)
        {
            await AppendAsync(tenantStream,
                new WebhookRegistered("wh_a", "https://a.example/h", ["*"], null, Profiles.Standard, "whsec_x", true, Ordering.Fifo, null, null, null, null, null, T0),
                new WebhookRegistered("wh_b", "https://b.example/h", ["*"], null, Profiles.Standard, "whsec_y", true, Ordering.Fifo, null, null, null, null, null, T0.AddTicks(10)));
        }
        for (var i = from; i < from + count; i++)
        {
            using var data = JsonDocument.Parse($$"""{"n":{{i}}}""");
            var at = T0.AddSeconds(i);
            var key = "k" + (i % 4);
            var published = new EventPublished($"evt_{i:D3}", "trade.completed", data.RootElement.Clone(), null, null, key, at,
                [new PlannedDelivery($"dlv_a{i:D3}", "wh_a"), new PlannedDelivery($"dlv_b{i:D3}", "wh_b")]);
            await AppendAsync(tenantStream, published);
            foreach (var webhook in new[] { "a", "b" })
            {
                var lane = Streams.Delivery(new WebhookId("wh_" + webhook), key);
                var id = $"dlv_{webhook}{i:D3}";
                await AppendAsync(lane, new DeliveryEnqueued(id, published.EventId, "wh_" + webhook, Tenant.Value, "trade.completed", i, Ordering.Fifo, [1], null, at));
                if (i % 5 != 4)
                {
                    await AppendAsync(lane, new AttemptSucceeded(id, 1, at, 5, 200, "ok"), new DeliveryCompleted(id, at));
                }
            }
        }
    }

    private async Task TerminateSessionsAsync(string applicationName)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var kill = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", connection);
        kill.Parameters.Add(new NpgsqlParameter<string> { TypedValue = applicationName });
        Assert.Equal(1L, await kill.ExecuteScalarAsync());
    }

    /// <summary>Leadership the test hands out and takes back.</summary>
    private sealed class SwitchedLeases : IClusterLeases
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource<CancellationToken> _leadership = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenSource? _leading;

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

        public int LaneBuckets => 1;

        public int OwnedBuckets => 0;

        public void Lead()
        {
            TaskCompletionSource<CancellationToken> leadership;
            lock (_gate)
            {
                _leading = new CancellationTokenSource();
                leadership = _leadership;
            }
            leadership.SetResult(_leading.Token);
        }

        public void Depose()
        {
            CancellationTokenSource leading;
            lock (_gate)
            {
                leading = _leading!;
                _leading = null;
                _leadership = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            leading.Cancel();
        }

        public Task<CancellationToken> WaitForLeadershipAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                return _leadership.Task.WaitAsync(cancellationToken);
            }
        }

        public void Attach(ILaneBucketOwner owner)
        {
        }

        public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Reads the shared checkpoint each time it is told of a batch: what it is told must be committed already.</summary>
    private sealed class CheckpointCheckingObserver(string connectionString, string schema) : IProjectionObserver
    {
        public ConcurrentQueue<(long Position, long Checkpoint)> Seen { get; } = new();

        public void OnCommitted(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, long position)
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var read = new NpgsqlCommand($"SELECT position FROM \"{schema}\".checkpoints WHERE name = 'read-models'", connection);
            Seen.Enqueue((position, (long)read.ExecuteScalar()!));
        }
    }

    /// <summary>Who owns which bucket, across instances; an acquisition of a bucket someone else still holds is a violation.</summary>
    private sealed class OwnershipBoard
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<int, string> _owners = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<string> Violations { get; } = new();

        public void Acquire(int bucket, string owner)
        {
            lock (_gate)
            {
                if (_owners.TryGetValue(bucket, out var holder))
                {
                    Violations.Enqueue($"{owner} acquired bucket {bucket} while {holder} held it");
                }
                _owners[bucket] = owner;
            }
            Changed();
        }

        public void Release(int bucket, string owner)
        {
            lock (_gate)
            {
                if (_owners.GetValueOrDefault(bucket) == owner)
                {
                    _owners.Remove(bucket);
                }
            }
            Changed();
        }

        public Task WaitUntilAsync(Func<bool> condition, string what) =>
            Signals.WaitUntilAsync(() => Task.FromResult(condition()), NextChangeAsync, Patience, what);

        private Task NextChangeAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                return _changed.Task.WaitAsync(cancellationToken);
            }
        }

        private void Changed()
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.TrySetResult();
        }
    }

    private sealed class RecordingOwner(string name, OwnershipBoard board) : ILaneBucketOwner
    {
        private readonly ConcurrentDictionary<int, bool> _owned = new();

        public int Count => _owned.Count;

        public void OnBucketAcquired(int bucket)
        {
            _owned[bucket] = true;
            board.Acquire(bucket, name);
        }

        public Task OnBucketReleasingAsync(int bucket)
        {
            _owned.TryRemove(bucket, out _);
            board.Release(bucket, name);
            return Task.CompletedTask;
        }

        public void OnBucketLost(int bucket)
        {
            _owned.TryRemove(bucket, out _);
            board.Release(bucket, name);
        }
    }
}
