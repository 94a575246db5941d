using Ledger.EventStore.Cluster;

namespace Ledger.Projections.Tests;

public class LaneBucketTests
{
    /// <summary>Instances of different versions share one database during an upgrade: they must agree on every lane's bucket.</summary>
    [Theory]
    [InlineData("delivery-wh_01m84d2kqnaz7p7avk44ea9ajy~k1", 64, 10)]
    [InlineData("delivery-wh_a", 64, 19)]
    [InlineData("delivery-wh_a~market-42", 64, 24)]
    [InlineData("delivery-wh_a~market-42", 7, 6)]
    [InlineData("delivery-wh_a~market-42", 1, 0)]
    public void A_lanes_bucket_never_changes(string streamId, int buckets, int expected) =>
        Assert.Equal(expected, LaneBucket.Of(streamId, buckets));

    [Fact]
    public void Lanes_spread_over_the_buckets()
    {
        var counts = Enumerable.Range(0, 6400).GroupBy(i => LaneBucket.Of($"delivery-wh_{i % 37}~key-{i}", 64)).Select(g => g.Count()).ToList();

        Assert.Equal(64, counts.Count);
        Assert.All(counts, count => Assert.InRange(count, 50, 150));
    }
}
