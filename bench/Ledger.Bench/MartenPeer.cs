using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Npgsql;

namespace Ledger.Bench;

/// <summary>The event Marten stores in scenario (h): the same small payload Ledger's adapter stores.</summary>
public sealed record StorePing(int N);

/// <summary>
/// The event-store peer on PostgreSQL (scenario h): Marten with string stream keys, Quick append mode and
/// expected-version appends, its async daemon tuned as far as it goes (LISTEN/NOTIFY on, polling 50/100 ms,
/// stale-sequence threshold 250 ms) feeding one subscription. A benchmark peer only, never a Ledger adapter.
/// </summary>
public sealed class MartenPeer : IAsyncDisposable
{
    private readonly DocumentStore _store;
    private IProjectionDaemon? _daemon;

    private MartenPeer(DocumentStore store, PingSubscription subscription)
    {
        _store = store;
        Subscription = subscription;
    }

    public PingSubscription Subscription { get; }

    public static async Task<MartenPeer> StartAsync(string connectionString, string schema)
    {
        var subscription = new PingSubscription();
        var store = DocumentStore.For(options =>
        {
            options.Connection(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 100 }.ConnectionString);
            options.DatabaseSchemaName = schema;
            options.AutoCreateSchemaObjects = AutoCreate.All;
            options.Events.StreamIdentity = StreamIdentity.AsString;
            options.Events.AppendMode = EventAppendMode.Quick;
            options.Events.UseListenNotifyForEventAppends = true;
            options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(50);
            options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(100);
            options.Projections.StaleSequenceThreshold = TimeSpan.FromMilliseconds(250);
            options.Events.AddEventType<StorePing>();
            options.Projections.Subscribe(subscription);
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return new MartenPeer(store, subscription);
    }

    public async Task StartDaemonAsync()
    {
        _daemon = await _store.BuildProjectionDaemonAsync();
        await _daemon.StartAllAsync();
    }

    /// <summary>Appends <paramref name="events"/> to a stream whose last version is <paramref name="version"/> (0: new stream).</summary>
    public async Task AppendAsync(string stream, long version, IReadOnlyList<StorePing> events)
    {
        await using var session = _store.LightweightSession();
        session.Events.Append(stream, version + events.Count, events.Cast<object>().ToArray());
        await session.SaveChangesAsync();
    }

    /// <summary>Appends without a version check.</summary>
    public async Task AppendAnyAsync(string stream, IReadOnlyList<StorePing> events)
    {
        await using var session = _store.LightweightSession();
        session.Events.Append(stream, events.Cast<object>().ToArray());
        await session.SaveChangesAsync();
    }

    /// <summary>An append in a transaction that is rolled back: its sequence numbers are taken and never committed.</summary>
    public async Task RolledBackAppendAsync(string connectionString, string stream)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var session = _store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction)))
        {
            session.Events.Append(stream, new StorePing(-1));
            await session.SaveChangesAsync();
        }
        await transaction.RollbackAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_daemon is not null)
        {
            await _daemon.StopAllAsync();
            _daemon.Dispose();
        }
        _store.Dispose();
    }

    /// <summary>Records when each event reaches the subscription.</summary>
    public sealed class PingSubscription : SubscriptionBase
    {
        public PingSubscription()
        {
            Name = "bench_follower";
        }

        public Action<int>? Seen { get; set; }

        public override Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
        {
            foreach (var e in page.Events)
            {
                if (e.Data is StorePing ping)
                {
                    Seen?.Invoke(ping.N);
                }
            }
            return Task.FromResult(NullChangeListener.Instance);
        }
    }
}
