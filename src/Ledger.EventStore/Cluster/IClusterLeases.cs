namespace Ledger.EventStore.Cluster;

/// <summary>
/// What this server instance may do among the instances sharing its storage. One instance leads: it writes the
/// read models and fans events out, so each happens once. The delivery lanes are hashed into buckets
/// (<see cref="LaneBuckets"/>) and each bucket has one owner, the only instance that sends that bucket's lanes, so
/// a key has one writer at any moment (the lane's expected-version append stays the final guard). With embedded
/// storage one instance is all there is: it leads and owns everything (<see cref="SingleInstanceLeases"/>).
/// </summary>
public interface IClusterLeases
{
    /// <summary>Whether this instance leads right now.</summary>
    bool IsLeader { get; }

    /// <summary>How many buckets the lanes are hashed into (<see cref="LaneBucket.Of"/>).</summary>
    int LaneBuckets { get; }

    /// <summary>How many buckets this instance owns right now.</summary>
    int OwnedBuckets { get; }

    /// <summary>Completes once this instance leads, with a token that is cancelled when it stops leading.</summary>
    Task<CancellationToken> WaitForLeadershipAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Tells <paramref name="owner"/> of the buckets this instance owns now and, from then on, of every bucket it
    /// gains or gives up. Calls come one at a time and must return quickly.
    /// </summary>
    void Attach(ILaneBucketOwner owner);

    /// <summary>Takes, keeps and balances the leases until cancelled; returns at once where there is nothing to keep.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>Whoever acts on the lanes of owned buckets: the dispatcher.</summary>
public interface ILaneBucketOwner
{
    /// <summary>The bucket is this instance's now: its lanes may be sent.</summary>
    void OnBucketAcquired(int bucket);

    /// <summary>
    /// The bucket is to be handed over: start nothing more on its lanes and complete once nothing of it is in
    /// flight; the lease is released after that.
    /// </summary>
    Task OnBucketReleasingAsync(int bucket);

    /// <summary>The lease is gone already (the connection that held it dropped): stop at once.</summary>
    void OnBucketLost(int bucket);
}

/// <summary>The bucket of a lane: a stable hash of its stream name, the same in every instance and every version.</summary>
public static class LaneBucket
{
    public static int Of(string streamId, int buckets)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        if (buckets <= 1)
        {
            return 0;
        }
        // FNV-1a over the UTF-16 code units: stream names are ASCII, and it needs no allocation.
        var hash = 2166136261u;
        foreach (var c in streamId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % (uint)buckets);
    }
}
