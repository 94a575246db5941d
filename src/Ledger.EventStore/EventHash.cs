using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.EventStore;

/// <summary>
/// The hash chain of a stream: SHA-256 (lowercase hex) over the previous event's hash in the stream ("" for the
/// first) and the event's content, each on its own line:
/// <c>previousHash \n streamId \n version \n type \n occurredAt \n content</c>, with occurredAt as
/// <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>. In hash version 2 (every new event) <c>content</c> is the lowercase hex
/// SHA-256 of the data's UTF-8 bytes, so an export can withhold the data and still verify; version 1 (events
/// written before it) used the data text itself. Positions are left out, so a ledger keeps its hashes in any store.
/// </summary>
public static class EventHash
{
    public const string OccurredAtFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>The rule new events are hashed with.</summary>
    public const int CurrentVersion = 2;

    public static string Compute(string previousHash, string streamId, long version, string type, DateTimeOffset occurredAt, string data, int hashVersion = CurrentVersion) =>
        hashVersion switch
        {
            1 => Line(previousHash, streamId, version, type, occurredAt, data),
            2 => Line(previousHash, streamId, version, type, occurredAt, DataSha256(data)),
            _ => throw new ArgumentOutOfRangeException(nameof(hashVersion), hashVersion, "hash versions are 1 and 2"),
        };

    /// <summary>The hash of a version-2 event from its data's digest alone (for exports whose data is withheld).</summary>
    public static string ComputeFromDigest(string previousHash, string streamId, long version, string type, DateTimeOffset occurredAt, string dataSha256) =>
        Line(previousHash, streamId, version, type, occurredAt, dataSha256);

    /// <summary>Lowercase hex SHA-256 of the data's stored (UTF-8) bytes.</summary>
    public static string DataSha256(string data) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data)));

    public static string FormatTime(DateTimeOffset at) => at.UtcDateTime.ToString(OccurredAtFormat, CultureInfo.InvariantCulture);

    /// <summary>Stores keep time to the microsecond (PostgreSQL's precision), so it is cut there before hashing.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>Checks events of one stream, in version order from 0, against their hashes (each by its own hash version).</summary>
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
            var hash = Compute(previous, e.StreamId, e.Version, e.Type, e.OccurredAt, e.Data, e.HashVersion);
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

    private static string Line(string previousHash, string streamId, long version, string type, DateTimeOffset occurredAt, string content)
    {
        var text = string.Join('\n', previousHash, streamId, version.ToString(CultureInfo.InvariantCulture), type, FormatTime(occurredAt), content);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
