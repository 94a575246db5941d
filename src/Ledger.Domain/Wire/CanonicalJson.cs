using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Ledger.Domain.Wire;

/// <summary>
/// JSON exactly as JavaScript's <c>JSON.stringify(JSON.parse(text))</c> writes it: no whitespace, strings escaped as
/// JSON.stringify escapes them, numbers as Number::toString of the parsed double, object members in JavaScript's
/// order. Receivers that verify a signature over a re-serialised body (seed 001) get the very bytes that were signed.
/// </summary>
/// <remarks>
/// Member order is the document's, except where a JavaScript object orders differently: keys that are array indices
/// (<c>"0"</c> … <c>"4294967294"</c>) come first in ascending numeric order, and a duplicate key keeps the position of
/// its first occurrence with the value of its last. Numbers beyond the range of a double become <c>null</c>, as
/// <c>JSON.stringify(Infinity)</c> does; values that need more than a double's 17 digits belong in strings.
/// </remarks>
public static class CanonicalJson
{
    private const int DuplicateScanLimit = 32;

    /// <summary>The canonical UTF-8 bytes of a JSON value.</summary>
    public static byte[] Serialize(JsonElement element)
    {
        using var output = new PooledByteWriter();
        Write(element, output);
        return output.ToArray();
    }

    /// <summary>The canonical UTF-8 bytes of JSON text.</summary>
    /// <exception cref="FormatException">The text is not JSON.</exception>
    public static byte[] Serialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = Parse(json);
        return Serialize(document.RootElement);
    }

    /// <summary>The canonical UTF-8 bytes of UTF-8 JSON text.</summary>
    /// <exception cref="FormatException">The text is not JSON.</exception>
    public static byte[] Serialize(ReadOnlyMemory<byte> utf8Json)
    {
        using var document = Parse(utf8Json);
        return Serialize(document.RootElement);
    }

    public static string SerializeToString(JsonElement element)
    {
        using var output = new PooledByteWriter();
        Write(element, output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <exception cref="FormatException">The text is not JSON.</exception>
    public static string SerializeToString(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = Parse(json);
        return SerializeToString(document.RootElement);
    }

    internal static void Write(JsonElement element, PooledByteWriter output)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(element, output, null, null);
                break;
            case JsonValueKind.Array:
                WriteArray(element, output);
                break;
            case JsonValueKind.String:
                JsString.WriteRaw(RawContent(element), output);
                break;
            case JsonValueKind.Number:
                WriteNumber(JsonMarshal.GetRawUtf8Value(element), output);
                break;
            case JsonValueKind.True:
                output.Write("true"u8);
                break;
            case JsonValueKind.False:
                output.Write("false"u8);
                break;
            case JsonValueKind.Null:
                output.Write("null"u8);
                break;
            default:
                throw new ArgumentException("the JSON element holds no value (a default JsonElement)", nameof(element));
        }
    }

    /// <summary>
    /// Writes an object, with the member <paramref name="replacedName"/> written by <paramref name="writeReplacement"/>
    /// instead: in its place when the object has it, else appended after the other members.
    /// </summary>
    internal static void WriteObject(JsonElement element, PooledByteWriter output, string? replacedName, Action<PooledByteWriter>? writeReplacement)
    {
        var count = element.GetPropertyCount();
        var properties = ArrayPool<JsonProperty>.Shared.Rent(Math.Max(count, 1));
        try
        {
            var n = 0;
            foreach (var property in element.EnumerateObject())
            {
                properties[n++] = property;
            }
            var members = properties.AsSpan(0, n);
            if (IsPlain(members))
            {
                WritePlainObject(members, output, replacedName, writeReplacement);
            }
            else
            {
                WriteReorderedObject(members, output, replacedName, writeReplacement);
            }
        }
        finally
        {
            // JsonProperty holds its document: clear so a pooled array does not keep it alive.
            ArrayPool<JsonProperty>.Shared.Return(properties, clearArray: true);
        }
    }

    /// <summary>Members whose raw names can be copied and whose order JavaScript keeps: no escapes, no indices, no duplicates.</summary>
    private static bool IsPlain(ReadOnlySpan<JsonProperty> members)
    {
        if (members.Length > DuplicateScanLimit)
        {
            return false;
        }
        for (var i = 0; i < members.Length; i++)
        {
            var name = JsonMarshal.GetRawUtf8PropertyName(members[i]);
            if (name.IndexOf((byte)'\\') >= 0 || !System.Text.Unicode.Utf8.IsValid(name) || IsArrayIndex(name))
            {
                return false;
            }
            for (var j = 0; j < i; j++)
            {
                if (name.SequenceEqual(JsonMarshal.GetRawUtf8PropertyName(members[j])))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static void WritePlainObject(
        ReadOnlySpan<JsonProperty> members, PooledByteWriter output, string? replacedName, Action<PooledByteWriter>? writeReplacement)
    {
        var replaced = replacedName is null;
        output.Write((byte)'{');
        for (var i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                output.Write((byte)',');
            }
            var name = JsonMarshal.GetRawUtf8PropertyName(members[i]);
            output.Write((byte)'"');
            output.Write(name);
            output.Write("\":"u8);
            if (!replaced && members[i].NameEquals(replacedName))
            {
                writeReplacement!(output);
                replaced = true;
            }
            else
            {
                Write(members[i].Value, output);
            }
        }
        if (!replaced)
        {
            WriteAppended(members.Length > 0, replacedName!, writeReplacement!, output);
        }
        output.Write((byte)'}');
    }

    private static void WriteReorderedObject(
        ReadOnlySpan<JsonProperty> members, PooledByteWriter output, string? replacedName, Action<PooledByteWriter>? writeReplacement)
    {
        // JavaScript's own-property order: array indices ascending, then the other keys by first creation.
        var slots = new Dictionary<string, int>(members.Length, StringComparer.Ordinal);
        var names = new List<string>(members.Length);
        var values = new List<int>(members.Length);
        for (var i = 0; i < members.Length; i++)
        {
            var name = JsString.Decode(JsonMarshal.GetRawUtf8PropertyName(members[i]));
            if (slots.TryGetValue(name, out var slot))
            {
                values[slot] = i;
            }
            else
            {
                slots.Add(name, names.Count);
                names.Add(name);
                values.Add(i);
            }
        }
        var order = new List<int>(names.Count);
        var indices = new List<(uint Index, int Slot)>();
        for (var slot = 0; slot < names.Count; slot++)
        {
            if (TryParseArrayIndex(names[slot], out var index))
            {
                indices.Add((index, slot));
            }
        }
        indices.Sort((a, b) => a.Index.CompareTo(b.Index));
        foreach (var (_, slot) in indices)
        {
            order.Add(slot);
        }
        for (var slot = 0; slot < names.Count; slot++)
        {
            if (!TryParseArrayIndex(names[slot], out _))
            {
                order.Add(slot);
            }
        }

        var replaced = replacedName is null;
        output.Write((byte)'{');
        for (var i = 0; i < order.Count; i++)
        {
            if (i > 0)
            {
                output.Write((byte)',');
            }
            var slot = order[i];
            JsString.Write(names[slot], output);
            output.Write((byte)':');
            if (!replaced && names[slot] == replacedName)
            {
                writeReplacement!(output);
                replaced = true;
            }
            else
            {
                Write(members[values[slot]].Value, output);
            }
        }
        if (!replaced)
        {
            WriteAppended(order.Count > 0, replacedName!, writeReplacement!, output);
        }
        output.Write((byte)'}');
    }

    private static void WriteAppended(bool afterOthers, string name, Action<PooledByteWriter> writeValue, PooledByteWriter output)
    {
        if (afterOthers)
        {
            output.Write((byte)',');
        }
        JsString.Write(name, output);
        output.Write((byte)':');
        writeValue(output);
    }

    private static void WriteArray(JsonElement element, PooledByteWriter output)
    {
        output.Write((byte)'[');
        var first = true;
        foreach (var item in element.EnumerateArray())
        {
            if (!first)
            {
                output.Write((byte)',');
            }
            first = false;
            Write(item, output);
        }
        output.Write((byte)']');
    }

    private static void WriteNumber(ReadOnlySpan<byte> raw, PooledByteWriter output)
    {
        // A JSON integer of at most 15 digits is exactly a double and already in Number::toString form (JSON has
        // no leading zeros); only -0 differs. Everything else goes through the double.
        var digits = raw[0] == '-' ? raw[1..] : raw;
        if (digits.Length <= 15 && !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            output.Write(digits is [(byte)'0'] ? digits : raw);
            return;
        }
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"'{Encoding.UTF8.GetString(raw)}' is not a JSON number");
        }
        JsNumber.WriteJson(value, output);
    }

    private static ReadOnlySpan<byte> RawContent(JsonElement stringElement)
    {
        var raw = JsonMarshal.GetRawUtf8Value(stringElement);
        return raw[1..^1];
    }

    /// <summary>Whether a key is an array index, which JavaScript objects order numerically before other keys.</summary>
    private static bool IsArrayIndex(ReadOnlySpan<byte> name)
    {
        Span<char> chars = stackalloc char[10];
        if (name.Length is 0 or > 10 || name.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }
        for (var i = 0; i < name.Length; i++)
        {
            chars[i] = (char)name[i];
        }
        return TryParseArrayIndex(chars[..name.Length], out _);
    }

    /// <summary>An array index is the canonical decimal form of an integer from 0 to 2^32 − 2.</summary>
    internal static bool TryParseArrayIndex(ReadOnlySpan<char> name, out uint index)
    {
        index = 0;
        if (name.Length is 0 or > 10 || (name.Length > 1 && name[0] == '0'))
        {
            return false;
        }
        ulong value = 0;
        foreach (var c in name)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
            value = (value * 10) + (ulong)(c - '0');
        }
        if (value > uint.MaxValue - 1)
        {
            return false;
        }
        index = (uint)value;
        return true;
    }

    private static JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not valid JSON: {ex.Message}", ex);
        }
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> utf8Json)
    {
        try
        {
            return JsonDocument.Parse(utf8Json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not valid JSON: {ex.Message}", ex);
        }
    }
}
