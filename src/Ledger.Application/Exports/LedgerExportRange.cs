using System.Globalization;
using Ledger.Domain;

namespace Ledger.Application.Exports;

/// <summary>
/// What a ledger export covers (docs/audit.md): <c>from</c> inclusive and <c>to</c> exclusive, each a position or an
/// ISO time, and one stream-name prefix. Values are normalized so the manifest states them exactly.
/// </summary>
public sealed record LedgerExportRange(long? FromPosition, long? ToPosition, DateTimeOffset? FromTime, DateTimeOffset? ToTime, string? StreamPrefix)
{
    public string? From => FromPosition?.ToString(CultureInfo.InvariantCulture) ?? (FromTime is { } t ? Ledger.EventStore.EventHash.FormatTime(t) : null);

    public string? To => ToPosition?.ToString(CultureInfo.InvariantCulture) ?? (ToTime is { } t ? Ledger.EventStore.EventHash.FormatTime(t) : null);

    public static LedgerExportRange Parse(string? from, string? to, string? streams)
    {
        var (fromPosition, fromTime) = Bound("from", from);
        var (toPosition, toTime) = Bound("to", to);
        if (streams is not null && (streams.Length is 0 or > 200 || !streams.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '@' or '=' or '+' or '~')))
        {
            throw DomainException.Validation("streams", "streams is one stream-name prefix: 1 to 200 of a-z A-Z 0-9 _ - . : @ = + ~");
        }
        return new(fromPosition, toPosition, fromTime, toTime, streams);
    }

    public bool Includes(Ledger.EventStore.StoredEvent e) =>
        (FromPosition is not { } fp || e.Position >= fp)
        && (ToPosition is not { } tp || e.Position < tp)
        && (FromTime is not { } ft || e.OccurredAt >= ft)
        && (ToTime is not { } tt || e.OccurredAt < tt)
        && (StreamPrefix is null || e.StreamId.StartsWith(StreamPrefix, StringComparison.Ordinal));

    private static (long?, DateTimeOffset?) Bound(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return (null, null);
        }
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var position) && position >= 0)
        {
            return (position, null);
        }
        if (value.Length <= 40 && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return (null, Ledger.EventStore.EventHash.Truncate(at));
        }
        throw DomainException.Validation(field, $"{field} is a ledger position (0 or more) or an ISO 8601 time");
    }
}
