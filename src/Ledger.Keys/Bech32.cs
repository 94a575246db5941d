using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Ledger.Keys;

/// <summary>BIP-173 bech32, as MultiversX writes addresses: <c>erd1…</c> is the bech32 of the 32-byte Ed25519 public key.</summary>
public static class Bech32
{
    public const string MultiversXPrefix = "erd";

    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private static readonly uint[] Generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

    public static string Address(ReadOnlySpan<byte> publicKey) => Encode(MultiversXPrefix, publicKey);

    public static string Encode(string hrp, ReadOnlySpan<byte> data)
    {
        var values = ConvertBits(data, 8, 5, pad: true)!;
        var checksum = Checksum(hrp, values);
        var text = new StringBuilder(hrp.Length + 1 + values.Count + 6).Append(hrp).Append('1');
        foreach (var v in values.Concat(checksum))
        {
            text.Append(Charset[v]);
        }
        return text.ToString();
    }

    public static bool TryDecode(string text, [NotNullWhen(true)] out string? hrp, [NotNullWhen(true)] out byte[]? data)
    {
        hrp = null;
        data = null;
        if (text.Length > 120 || text.ToLowerInvariant() != text)
        {
            return false;
        }
        var separator = text.LastIndexOf('1');
        if (separator < 1 || separator + 7 > text.Length)
        {
            return false;
        }
        var values = new List<byte>();
        foreach (var c in text[(separator + 1)..])
        {
            var v = Charset.IndexOf(c, StringComparison.Ordinal);
            if (v < 0)
            {
                return false;
            }
            values.Add((byte)v);
        }
        var prefix = text[..separator];
        if (Polymod([.. Expand(prefix), .. values]) != 1)
        {
            return false;
        }
        var bytes = ConvertBits(values.ToArray().AsSpan(0, values.Count - 6), 5, 8, pad: false);
        if (bytes is null)
        {
            return false;
        }
        hrp = prefix;
        data = [.. bytes];
        return true;
    }

    private static byte[] Checksum(string hrp, List<byte> values)
    {
        var mod = Polymod([.. Expand(hrp), .. values, 0, 0, 0, 0, 0, 0]) ^ 1;
        var checksum = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            checksum[i] = (byte)((mod >> (5 * (5 - i))) & 31);
        }
        return checksum;
    }

    private static uint Polymod(IEnumerable<byte> values)
    {
        uint chk = 1;
        foreach (var v in values)
        {
            var top = chk >> 25;
            chk = ((chk & 0x1ffffff) << 5) ^ v;
            for (var i = 0; i < 5; i++)
            {
                if (((top >> i) & 1) != 0)
                {
                    chk ^= Generator[i];
                }
            }
        }
        return chk;
    }

    private static byte[] Expand(string hrp) => [.. hrp.Select(c => (byte)(c >> 5)), 0, .. hrp.Select(c => (byte)(c & 31))];

    private static List<byte>? ConvertBits(ReadOnlySpan<byte> data, int from, int to, bool pad)
    {
        var acc = 0;
        var bits = 0;
        var result = new List<byte>();
        var max = (1 << to) - 1;
        foreach (var value in data)
        {
            acc = (acc << from) | value;
            bits += from;
            while (bits >= to)
            {
                bits -= to;
                result.Add((byte)((acc >> bits) & max));
            }
        }
        if (pad)
        {
            if (bits > 0)
            {
                result.Add((byte)((acc << (to - bits)) & max));
            }
        }
        else if (bits >= from || ((acc << (to - bits)) & max) != 0)
        {
            return null;
        }
        return result;
    }
}
