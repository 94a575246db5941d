using System.Globalization;
using System.Text.Json;

namespace Ledger.Domain.Wire;

/// <summary>Writes envelope members; the caller writes the member names as UTF-8 literals.</summary>
internal static class EnvelopeWriter
{
    public static void String(string value, PooledByteWriter output) => JsString.Write(value, output);

    /// <summary>The <c>{"id","type",&lt;time key&gt;,"data"}</c> envelope that standard, generic and github share, the time as ISO-8601.</summary>
    public static byte[] IdTypeTimeData(EnvelopeInput e, ReadOnlySpan<byte> timeKey)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var output = new PooledByteWriter();
        output.Write("{\"id\":"u8);
        String(e.EventId, output);
        output.Write(",\"type\":"u8);
        String(e.EventType, output);
        output.Write(timeKey);
        IsoTimestamp(e.CreatedAt, output);
        output.Write(",\"data\":"u8);
        Data(e.Data, output);
        output.Write((byte)'}');
        return output.ToArray();
    }

    public static void StringOrNull(string? value, PooledByteWriter output)
    {
        if (value is null)
        {
            output.Write("null"u8);
        }
        else
        {
            JsString.Write(value, output);
        }
    }

    /// <summary>JavaScript's <c>Date.prototype.toISOString()</c>: UTC with milliseconds, <c>2026-05-02T12:34:56.789Z</c>.</summary>
    public static void IsoTimestamp(DateTimeOffset value, PooledByteWriter output)
    {
        var span = output.GetSpan(26);
        span[0] = (byte)'"';
        if (!value.UtcDateTime.TryFormat(span[1..], out var written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("a timestamp did not fit 24 bytes");
        }
        span[written + 1] = (byte)'"';
        output.Advance(written + 2);
    }

    public static void Integer(long value, PooledByteWriter output)
    {
        var span = output.GetSpan(20);
        if (!value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("an integer did not fit 20 bytes");
        }
        output.Advance(written);
    }

    public static void Data(JsonElement data, PooledByteWriter output) => CanonicalJson.Write(data, output);

    /// <summary>A string map as a JavaScript object of it writes: array-index keys first, ascending, then the rest in order.</summary>
    public static void StringMap(IReadOnlyDictionary<string, string> map, PooledByteWriter output)
    {
        var indexed = new List<(uint Index, string Key, string Value)>();
        foreach (var (key, value) in map)
        {
            if (CanonicalJson.TryParseArrayIndex(key, out var index))
            {
                indexed.Add((index, key, value));
            }
        }
        indexed.Sort((a, b) => a.Index.CompareTo(b.Index));
        output.Write((byte)'{');
        var first = true;
        foreach (var (_, key, value) in indexed)
        {
            Member(key, value, ref first, output);
        }
        foreach (var (key, value) in map)
        {
            if (!CanonicalJson.TryParseArrayIndex(key, out _))
            {
                Member(key, value, ref first, output);
            }
        }
        output.Write((byte)'}');
    }

    private static void Member(string key, string value, ref bool first, PooledByteWriter output)
    {
        if (!first)
        {
            output.Write((byte)',');
        }
        first = false;
        JsString.Write(key, output);
        output.Write((byte)':');
        JsString.Write(value, output);
    }
}
