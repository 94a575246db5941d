using Ledger.EventStore.Sqlite;
using Ledger.TestSupport;

namespace Ledger.EventStore.Tests;

/// <summary>
/// The conformance suite through <see cref="TailCachingEventStore"/> over SQLite (the decorator must keep every
/// promise of the port), plus what it is for: followers of the same batches read the database once.
/// </summary>
public sealed class TailCachingEventStoreTests : EventStoreConformance
{
    private readonly TempDirectory _directory = new("ledger-tail");

    private string LedgerPath => _directory.File("ledger.db");

    protected override Task<IEventStore> CreateStoreAsync() => Task.FromResult<IEventStore>(new TailCachingEventStore(SqliteEventStore.Open(LedgerPath)));

    protected override Task<IEventStore> ReopenStoreAsync() => CreateStoreAsync();

    protected override Task DropStorageAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Followers_of_the_same_batches_read_the_database_once()
    {
        await using var counted = new ReadCounter(SqliteEventStore.Open(_directory.File("counted.db")));
        await using var store = new TailCachingEventStore(counted);
        await store.AppendAsync(new StreamAppend(NewStreamId(), ExpectedVersion.NoStream, Events(0, 10)));

        var first = await store.ReadAllAsync(0, 100);
        var second = await store.ReadAllAsync(0, 100);
        var fromTheMiddle = await store.ReadAllAsync(4, 100);

        Assert.Equal(1, counted.Reads);
        Assert.Equal(first, second);
        Assert.Equal(first.Skip(4), fromTheMiddle);
    }

    [Fact]
    public async Task A_read_at_the_end_of_what_was_read_sees_new_events_and_a_late_reader_still_gets_every_event()
    {
        await using var counted = new ReadCounter(SqliteEventStore.Open(_directory.File("counted.db")));
        await using var store = new TailCachingEventStore(counted, capacity: 8);
        var stream = NewStreamId();
        await store.AppendAsync(new StreamAppend(stream, ExpectedVersion.NoStream, Events(0, 20)));
        var head = await store.ReadAllAsync(12, 100);

        await store.AppendAsync(new StreamAppend(stream, ExpectedVersion.At(19), Events(20, 3)));
        var next = await store.ReadAllAsync(head[^1].Position, 100);
        var late = await store.ReadAllAsync(0, 100);

        Assert.Equal([21L, 22, 23], next.Select(e => e.Position));
        Assert.Equal(Enumerable.Range(1, 23).Select(p => (long)p), late.Select(e => e.Position));
    }

    [Fact]
    public async Task Every_answer_starts_where_the_database_would_and_is_a_prefix_of_its_answer()
    {
        await using var plain = SqliteEventStore.Open(_directory.File("plain.db"));
        await using var store = new TailCachingEventStore(plain, capacity: 64);
        var random = new Random(20261129);
        var streams = Enumerable.Range(0, 5).Select(_ => NewStreamId()).ToArray();
        for (var round = 0; round < 300; round++)
        {
            if (random.Next(3) == 0)
            {
                await store.AppendAsync(new StreamAppend(streams[random.Next(streams.Length)], ExpectedVersion.Any, Events(0, random.Next(1, 12))));
            }
            var head = await plain.ReadHeadPositionAsync();
            var after = random.Next(0, (int)head + 2);
            var max = random.Next(1, 40);

            var answer = await store.ReadAllAsync(after, max);
            var truth = await plain.ReadAllAsync(after, max);

            Assert.Equal(truth.Count == 0, answer.Count == 0);
            Assert.Equal(truth.Take(answer.Count).Select(e => (e.Position, e.StreamId, e.Version)), answer.Select(e => (e.Position, e.StreamId, e.Version)));
        }
    }

    /// <summary>Counts the reads of the global order that reach the store.</summary>
    private sealed class ReadCounter(IEventStore inner) : ForwardingEventStore(inner)
    {
        public int Reads { get; private set; }

        public override Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
        {
            Reads++;
            return base.ReadAllAsync(afterPosition, maxCount, cancellationToken);
        }
    }
}
