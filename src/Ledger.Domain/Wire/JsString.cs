using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Ledger.Domain.Wire;

/// <summary>
/// Strings exactly as JSON.stringify writes them (QuoteJSONString): only <c>"</c>, <c>\</c> and control characters
/// are escaped (<c>\b \f \n \r \t</c>, else <c>\u00xx</c>), a lone surrogate becomes <c>\udxxx</c>, and every other
/// character, non-ASCII, emoji and <c>&amp; &lt; &gt; ' +</c> included, is written as itself in UTF-8.
/// </summary>
internal static class JsString
{
    private static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();

    public static void Write(ReadOnlySpan<char> value, PooledByteWriter output)
    {
        output.Write((byte)'"');
        var runStart = 0;
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (c >= 0x20 && c != '"' && c != '\\' && !char.IsSurrogate(c))
            {
                i++;
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i += 2;
                continue;
            }
            WriteRun(value[runStart..i], output);
            WriteEscape(c, output);
            i++;
            runStart = i;
        }
        WriteRun(value[runStart..], output);
        output.Write((byte)'"');
    }

    /// <summary>
    /// Writes a string token of a parsed document from its raw UTF-8 content (between the quotes, escapes as the
    /// publisher wrote them). Content without escapes is already in JSON.stringify's form and is copied as it is.
    /// </summary>
    public static void WriteRaw(ReadOnlySpan<byte> rawContent, PooledByteWriter output)
    {
        if (rawContent.IndexOf((byte)'\\') < 0 && Utf8.IsValid(rawContent))
        {
            output.Write((byte)'"');
            output.Write(rawContent);
            output.Write((byte)'"');
            return;
        }
        char[]? rented = null;
        var buffer = rawContent.Length <= 256
            ? stackalloc char[rawContent.Length]
            : (rented = ArrayPool<char>.Shared.Rent(rawContent.Length));
        try
        {
            var length = Unescape(rawContent, buffer);
            Write(buffer[..length], output);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The string value of raw string content: JSON escapes resolved, lone surrogates kept as JavaScript keeps them.</summary>
    public static string Decode(ReadOnlySpan<byte> rawContent)
    {
        if (rawContent.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(rawContent);
        }
        char[]? rented = null;
        var buffer = rawContent.Length <= 256
            ? stackalloc char[rawContent.Length]
            : (rented = ArrayPool<char>.Shared.Rent(rawContent.Length));
        try
        {
            return new string(buffer[..Unescape(rawContent, buffer)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Resolves the escapes of raw string content into UTF-16 code units. Invalid UTF-8 becomes U+FFFD, as a receiver
    /// decoding the body would see it. A UTF-8 byte never yields more than one UTF-16 unit, so
    /// <paramref name="destination"/> needs no more units than the content has bytes.
    /// </summary>
    private static int Unescape(ReadOnlySpan<byte> raw, Span<char> destination)
    {
        var o = 0;
        while (raw.Length > 0)
        {
            var backslash = raw.IndexOf((byte)'\\');
            var plain = backslash < 0 ? raw : raw[..backslash];
            o += Encoding.UTF8.GetChars(plain, destination[o..]);
            if (backslash < 0)
            {
                break;
            }
            // The document was validated by the parser, so every escape here is complete and well-formed.
            var kind = raw[backslash + 1];
            var consumed = 2;
            destination[o++] = kind switch
            {
                (byte)'b' => '\b',
                (byte)'f' => '\f',
                (byte)'n' => '\n',
                (byte)'r' => '\r',
                (byte)'t' => '\t',
                (byte)'u' => (char)ParseHex4(raw.Slice(backslash + 2, 4)),
                _ => (char)kind, // \" \\ \/
            };
            if (kind == (byte)'u')
            {
                consumed = 6;
            }
            raw = raw[(backslash + consumed)..];
        }
        return o;
    }

    private static int ParseHex4(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        foreach (var b in hex)
        {
            value = (value << 4) | b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => throw new FormatException("invalid \\u escape"),
            };
        }
        return value;
    }

    private static void WriteRun(ReadOnlySpan<char> run, PooledByteWriter output)
    {
        if (run.IsEmpty)
        {
            return;
        }
        var span = output.GetSpan(run.Length * 3);
        var status = Utf8.FromUtf16(run, span, out _, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            throw new InvalidOperationException("a run of well-formed UTF-16 did not transcode");
        }
        output.Advance(written);
    }

    private static void WriteEscape(char c, PooledByteWriter output)
    {
        switch (c)
        {
            case '"':
                output.Write("\\\""u8);
                break;
            case '\\':
                output.Write("\\\\"u8);
                break;
            case '\b':
                output.Write("\\b"u8);
                break;
            case '\f':
                output.Write("\\f"u8);
                break;
            case '\n':
                output.Write("\\n"u8);
                break;
            case '\r':
                output.Write("\\r"u8);
                break;
            case '\t':
                output.Write("\\t"u8);
                break;
            default:
                var span = output.GetSpan(6);
                span[0] = (byte)'\\';
                span[1] = (byte)'u';
                span[2] = Hex[(c >> 12) & 0xF];
                span[3] = Hex[(c >> 8) & 0xF];
                span[4] = Hex[(c >> 4) & 0xF];
                span[5] = Hex[c & 0xF];
                output.Advance(6);
                break;
        }
    }
}
