using System.Globalization;
using Ledger.TestSupport;

namespace Ledger.EventStore.Tests;

/// <summary>
/// What every <see cref="IEventStore"/> adapter must do. An adapter's test class derives from this and only says how
/// to get a store (<see cref="CreateStoreAsync"/>) and how to open the same storage again
/// (<see cref="ReopenStoreAsync"/>); every test here then runs against it unchanged.
/// </summary>
/// <remarks>
/// xunit makes one instance per test, so each test gets its own store. The store need not be empty (a class may
/// share one database among its tests), but nothing else may write to it while a test runs: tests use fresh
/// stream names and compare positions with the head they read first.
/// </remarks>
public abstract partial class EventStoreConformance : IAsyncLifetime
{
    protected const string TestEventType = "test.happened.v1";

    /// <summary>Bounds waits for things that should happen at once; never a measurement.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>A time with an offset and sub-microsecond ticks, so storing it has something to normalise.</summary>
    protected static readonly DateTimeOffset T0 = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1_234_567);

    private IEventStore? _store;

    /// <summary>The store under test.</summary>
    protected IEventStore Store => _store ?? throw new InvalidOperationException("the store is not open");

    /// <summary>Opens a store for one test.</summary>
    protected abstract Task<IEventStore> CreateStoreAsync();

    /// <summary>
    /// Opens a new store over the same storage as the one <see cref="CreateStoreAsync"/> returned, which has been
    /// disposed by then: what it committed must all be there.
    /// </summary>
    protected abstract Task<IEventStore> ReopenStoreAsync();

    /// <summary>Releases the test's storage (files, schema) after its store was disposed.</summary>
    protected virtual Task DropStorageAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
        }
        await DropStorageAsync();
    }

    /// <summary>Disposes the store and opens its storage again, as a restarted server would.</summary>
    protected async Task RestartAsync()
    {
        await Store.DisposeAsync();
        _store = null;
        _store = await ReopenStoreAsync();
    }

    protected static string NewStreamId(string prefix = "stream") => $"{prefix}-{Guid.NewGuid():N}";

    protected static NewEvent Event(int n, string? idempotencyKey = null, string type = TestEventType) =>
        new(type, string.Create(CultureInfo.InvariantCulture, $$"""{"n":{{n}}}"""), T0.AddMilliseconds(n), idempotencyKey);

    protected static NewEvent[] Events(int from, int count) => [.. Enumerable.Range(from, count).Select(n => Event(n))];

    /// <summary>Everything after <paramref name="afterPosition"/>, read in pages.</summary>
    protected async Task<List<StoredEvent>> ReadAllAfterAsync(long afterPosition, int pageSize = 100)
    {
        var all = new List<StoredEvent>();
        while (true)
        {
            var page = await Store.ReadAllAsync(afterPosition, pageSize);
            if (page.Count == 0)
            {
                return all;
            }
            all.AddRange(page);
            afterPosition = page[^1].Position;
        }
    }

    protected static void AssertChain(IReadOnlyList<StoredEvent> stream) =>
        Assert.True(EventHash.VerifyChain(stream, out var problem), problem);

    /// <summary>The store has not changed since <paramref name="head"/> was read: no new event anywhere.</summary>
    protected async Task AssertNothingWrittenSinceAsync(long head, params string[] streamIds)
    {
        Assert.Equal(head, await Store.ReadHeadPositionAsync());
        Assert.Empty(await Store.ReadAllAsync(head, 10));
        foreach (var streamId in streamIds)
        {
            Assert.Empty(await Store.ReadStreamAsync(streamId));
            Assert.Equal(-1, await Store.ReadStreamVersionAsync(streamId));
        }
    }

    /// <summary>The stream holds exactly <paramref name="versionBefore"/> + 1 events, as before the refused append.</summary>
    protected async Task AssertStreamUnchangedAsync(string streamId, long versionBefore)
    {
        Assert.Equal(versionBefore, await Store.ReadStreamVersionAsync(streamId));
        Assert.Equal(versionBefore + 1, (await Store.ReadStreamAsync(streamId)).Count);
    }
}
