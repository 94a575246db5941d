namespace Ledger.EventStore.Postgres;

/// <summary>
/// What the writer last knew for certain: the global head and the heads (version, hash) of streams it read or wrote,
/// all exact as of one moment at which it held the append lock. It lets a group be written in one round trip,
/// with a guard that checks in the same statement that nothing was written since (see
/// <see cref="PostgresGroupCommit"/>). Bounded (≈ 300 bytes a stream, so ≈ 10 MB at most): past
/// <see cref="MaxStreams"/> it forgets every stream, and a forgotten stream is only assumed new, which the guard
/// checks (a wrong guess costs one wasted round trip and a few groups written the planned way). Used by the writer
/// loop alone.
/// </summary>
internal sealed class PostgresStreamHeads
{
    public const int MaxStreams = 32_768;

    private readonly Dictionary<string, (long Version, string Hash)> _heads = new(StringComparer.Ordinal);

    /// <summary>The global head the known stream heads are exact at, or -1 when nothing is known.</summary>
    public long Head { get; private set; } = -1;

    public bool IsKnown => Head >= 0;

    public bool TryGet(string streamId, out (long Version, string Hash) head) => _heads.TryGetValue(streamId, out head);

    /// <summary>After a commit made under the append lock: the global head then, and stream heads exact then.</summary>
    public void Commit(long head, IEnumerable<KeyValuePair<string, (long Version, string Hash)>> streams)
    {
        if (_heads.Count > MaxStreams)
        {
            _heads.Clear();
        }
        foreach (var (streamId, value) in streams)
        {
            _heads[streamId] = value;
        }
        Head = head;
    }

    /// <summary>After a failure whose outcome is unknown: nothing is certain any more.</summary>
    public void Forget()
    {
        _heads.Clear();
        Head = -1;
    }
}
