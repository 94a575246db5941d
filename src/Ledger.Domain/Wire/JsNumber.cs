using System.Globalization;

namespace Ledger.Domain.Wire;

/// <summary>
/// JavaScript's Number::toString (ECMA-262, Number::toString with radix 10) as JSON.stringify uses it: the shortest
/// digits that read back as the same double, positional from 1e-7 up to below 1e21, exponential beyond.
/// </summary>
internal static class JsNumber
{
    /// <summary>Writes the number as JSON.stringify does; NaN and ±Infinity become <c>null</c>, as there.</summary>
    public static void WriteJson(double value, PooledByteWriter output)
    {
        if (!double.IsFinite(value))
        {
            output.Write("null"u8);
            return;
        }
        var span = output.GetSpan(32);
        var written = Format(value, span);
        output.Advance(written);
    }

    public static string ToString(double value)
    {
        if (!double.IsFinite(value))
        {
            return double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
        }
        Span<byte> bytes = stackalloc byte[32];
        var written = Format(value, bytes);
        return System.Text.Encoding.ASCII.GetString(bytes[..written]);
    }

    /// <summary>Formats a finite double into <paramref name="destination"/> (at least 32 bytes); returns the bytes written.</summary>
    private static int Format(double value, Span<byte> destination)
    {
        if (value == 0)
        {
            // Both +0 and -0 are "0".
            destination[0] = (byte)'0';
            return 1;
        }

        // .NET's "R" is the shortest round-trip form (closest to the value when several are as short), the same
        // digits ECMAScript asks for. Only its layout differs, so take its digits and exponent and lay them out anew.
        Span<char> shortest = stackalloc char[40];
        if (!value.TryFormat(shortest, out var length, "R", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("a double did not fit its shortest form in 40 characters");
        }
        shortest = shortest[..length];

        Span<byte> digits = stackalloc byte[40];
        var count = 0;
        var integerDigits = -1;
        var exponent = 0;
        var negative = false;
        var i = 0;
        if (shortest[0] == '-')
        {
            negative = true;
            i = 1;
        }
        for (; i < shortest.Length; i++)
        {
            var c = shortest[i];
            if (c is >= '0' and <= '9')
            {
                digits[count++] = (byte)c;
            }
            else if (c == '.')
            {
                integerDigits = count;
            }
            else if (c is 'E' or 'e')
            {
                exponent = int.Parse(shortest[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else
            {
                throw new InvalidOperationException($"unexpected character '{c}' in the shortest form of a double");
            }
        }
        if (integerDigits < 0)
        {
            integerDigits = count;
        }

        // value = 0.d1d2…dk × 10^n with d1 ≠ 0: n is the position of the decimal point after the first digit.
        var start = 0;
        var n = integerDigits + exponent;
        while (start < count && digits[start] == '0')
        {
            start++;
            n--;
        }
        var end = count;
        while (end > start && digits[end - 1] == '0')
        {
            end--;
        }
        ReadOnlySpan<byte> s = digits[start..end];
        var k = s.Length;

        var o = 0;
        if (negative)
        {
            destination[o++] = (byte)'-';
        }
        if (k <= n && n <= 21)
        {
            s.CopyTo(destination[o..]);
            o += k;
            destination.Slice(o, n - k).Fill((byte)'0');
            o += n - k;
        }
        else if (0 < n && n <= 21)
        {
            s[..n].CopyTo(destination[o..]);
            o += n;
            destination[o++] = (byte)'.';
            s[n..].CopyTo(destination[o..]);
            o += k - n;
        }
        else if (-6 < n && n <= 0)
        {
            destination[o++] = (byte)'0';
            destination[o++] = (byte)'.';
            destination.Slice(o, -n).Fill((byte)'0');
            o += -n;
            s.CopyTo(destination[o..]);
            o += k;
        }
        else
        {
            destination[o++] = s[0];
            if (k > 1)
            {
                destination[o++] = (byte)'.';
                s[1..].CopyTo(destination[o..]);
                o += k - 1;
            }
            destination[o++] = (byte)'e';
            var e = n - 1;
            destination[o++] = e < 0 ? (byte)'-' : (byte)'+';
            if (!Math.Abs(e).TryFormat(destination[o..], out var expLength, default, CultureInfo.InvariantCulture))
            {
                throw new InvalidOperationException("exponent did not fit");
            }
            o += expLength;
        }
        return o;
    }
}
