using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.EventStore;

/// <summary>
/// The hash chain of a stream: SHA-256 (lowercase hex) over the previous event's hash in the stream ("" for the
/// first) and the event's content, each on its own line:
/// <c>previousHash \n streamId \n version \n type \n occurredAt \n data</c>, with occurredAt as
/// <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>. Positions are left out, so a ledger keeps its hashes in any store.
/// </summary>
public static class EventHash
{
    public const string OccurredAtFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string Compute(string previousHash, string streamId, long version, string type, DateTimeOffset occurredAt, string data)
    {
        var text = string.Join('\n', previousHash, streamId, version.ToString(CultureInfo.InvariantCulture), type, FormatTime(occurredAt), data);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public static string FormatTime(DateTimeOffset at) => at.UtcDateTime.ToString(OccurredAtFormat, CultureInfo.InvariantCulture);

    /// <summary>Stores keep time to the microsecond (PostgreSQL's precision), so it is cut there before hashing.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>Checks events of one stream, in version order from 0, against their hashes.</summary>
    public static bool VerifyChain(IEnumerable<StoredEvent> stream, out string? problem)
    {
        var previous = "";
        long expectedVersion = 0;
        foreach (var e in stream)
        {
            if (e.Version != expectedVersion)
            {
                problem = $"{e.StreamId}: version {e.Version} where {expectedVersion} was expected";
                return false;
            }
            var hash = Compute(previous, e.StreamId, e.Version, e.Type, e.OccurredAt, e.Data);
            if (hash != e.Hash)
            {
                problem = $"{e.StreamId}@{e.Version}: hash {e.Hash} does not match its content ({hash})";
                return false;
            }
            previous = hash;
            expectedVersion++;
        }
        problem = null;
        return true;
    }
}
