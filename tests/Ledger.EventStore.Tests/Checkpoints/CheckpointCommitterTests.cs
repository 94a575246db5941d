using Ledger.EventStore.Checkpoints;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.EventStore.Tests.Checkpoints;

public sealed class CheckpointCommitterTests
{
    [Fact]
    public async Task Stores_the_first_position_then_at_most_once_per_interval_and_the_latest_on_flush()
    {
        var time = new FakeTimeProvider();
        var store = new RecordingStore();
        var committer = new CheckpointCommitter(store, "fan-out", time, TimeSpan.FromMilliseconds(100));

        await committer.CommitAsync(10, CancellationToken.None);
        await committer.CommitAsync(20, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(99));
        await committer.CommitAsync(30, CancellationToken.None);
        Assert.Equal([10], store.Stored);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await committer.CommitAsync(40, CancellationToken.None);
        Assert.Equal([10, 40], store.Stored);

        await committer.CommitAsync(50, CancellationToken.None);
        await committer.FlushAsync(CancellationToken.None);
        await committer.FlushAsync(CancellationToken.None);
        Assert.Equal([10, 40, 50], store.Stored);
        Assert.Equal(50, committer.Stored);
    }

    [Fact]
    public async Task A_failed_store_keeps_the_position_pending_for_the_next_try()
    {
        var time = new FakeTimeProvider();
        var store = new RecordingStore { FailNext = true };
        var committer = new CheckpointCommitter(store, "fan-out", time);

        await Assert.ThrowsAsync<InvalidOperationException>(() => committer.CommitAsync(10, CancellationToken.None));
        Assert.Equal(-1, committer.Stored);
        await committer.FlushAsync(CancellationToken.None);
        Assert.Equal([10], store.Stored);
    }

    private sealed class RecordingStore : ICheckpointStore
    {
        public List<long> Stored { get; } = [];

        public bool FailNext { get; set; }

        public Task<long> LoadAsync(string consumer, CancellationToken cancellationToken) => Task.FromResult(Stored.LastOrDefault());

        public Task StoreAsync(string consumer, long position, CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new InvalidOperationException("storage unavailable");
            }
            Stored.Add(position);
            return Task.CompletedTask;
        }
    }
}
