using System.Globalization;

namespace Ledger.EventStore;

/// <summary>What <see cref="LedgerChainVerifier"/> found: how much it checked, and the first problem (null when intact).</summary>
public sealed record LedgerVerification(long Events, int Streams, long Version1Events, long Version2Events, long HeadPosition, string? Problem)
{
    public bool Intact => Problem is null;
}

/// <summary>
/// Checks every stream's hash chain in the live ledger, each event by its own hash version (1 or 2): versions from 0
/// without gaps, each hash recomputed from the previous one and the event's content, positions increasing. It reads
/// the ledger once in position order, page by page, up to the head it saw at the start; memory holds one page and one
/// entry (next version, last hash) per stream.
/// </summary>
public static class LedgerChainVerifier
{
    public const int PageSize = 2000;

    public static async Task<LedgerVerification> VerifyAsync(IEventStore store, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var head = await store.ReadHeadPositionAsync(cancellationToken);
        var chains = new Dictionary<string, Chain>(StringComparer.Ordinal);
        long after = 0, events = 0, version1 = 0, version2 = 0;
        while (after < head)
        {
            var page = await store.ReadAllAsync(after, PageSize, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }
            foreach (var e in page)
            {
                if (e.Position > head)
                {
                    break;
                }
                if (e.Position <= after)
                {
                    return Failed($"position {e.Position} ({e.StreamId}@{e.Version}) does not follow position {after}");
                }
                after = e.Position;
                if (!chains.TryGetValue(e.StreamId, out var chain))
                {
                    chains[e.StreamId] = chain = new Chain();
                }
                if (e.Version != chain.NextVersion)
                {
                    return Failed(string.Create(CultureInfo.InvariantCulture,
                        $"{e.StreamId}@{e.Version} (position {e.Position}): version {chain.NextVersion} was expected, so an event is missing or out of order"));
                }
                var hash = EventHash.Compute(chain.LastHash, e.StreamId, e.Version, e.Type, e.OccurredAt, e.Data, e.HashVersion);
                if (!string.Equals(hash, e.Hash, StringComparison.Ordinal))
                {
                    return Failed(string.Create(CultureInfo.InvariantCulture,
                        $"{e.StreamId}@{e.Version} (position {e.Position}): its hash (version {e.HashVersion}) does not match its content and the previous hash"));
                }
                chain.NextVersion++;
                chain.LastHash = hash;
                events++;
                if (e.HashVersion == 1)
                {
                    version1++;
                }
                else
                {
                    version2++;
                }
            }
            progress?.Report(after);
            if (page[^1].Position > head)
            {
                break;
            }
        }
        return new LedgerVerification(events, chains.Count, version1, version2, head, null);

        LedgerVerification Failed(string problem) => new(events, chains.Count, version1, version2, head, problem);
    }

    private sealed class Chain
    {
        public long NextVersion { get; set; }

        public string LastHash { get; set; } = "";
    }
}
