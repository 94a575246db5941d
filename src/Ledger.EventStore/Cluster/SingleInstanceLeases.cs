namespace Ledger.EventStore.Cluster;

/// <summary>Embedded storage: one process is the whole cluster, so it leads and owns the one bucket every lane is in.</summary>
public sealed class SingleInstanceLeases : IClusterLeases
{
    public static readonly SingleInstanceLeases Instance = new();

    public bool IsLeader => true;

    public int LaneBuckets => 1;

    public int OwnedBuckets => 1;

    public Task<CancellationToken> WaitForLeadershipAsync(CancellationToken cancellationToken) => Task.FromResult(CancellationToken.None);

    public void Attach(ILaneBucketOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        owner.OnBucketAcquired(0);
    }

    public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
