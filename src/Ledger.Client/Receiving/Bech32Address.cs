namespace Ledger.Client.Receiving;

/// <summary>Decodes a MultiversX address (<c>erd1…</c>, bech32 per BIP-173) to the 32-byte public key it holds.</summary>
internal static class Bech32Address
{
    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

    public static byte[] Decode(string address)
    {
        var lower = address.ToLowerInvariant();
        var separator = lower.LastIndexOf('1');
        if (separator < 1 || separator + 7 > lower.Length)
        {
            throw new ArgumentException("not a bech32 address", nameof(address));
        }
        var hrp = lower[..separator];
        var data = new List<int>();
        foreach (var c in lower[(separator + 1)..])
        {
            var value = Charset.IndexOf(c, StringComparison.Ordinal);
            data.Add(value >= 0 ? value : throw new ArgumentException("not a bech32 address", nameof(address)));
        }
        if (Polymod([.. hrp.Select(c => c >> 5), 0, .. hrp.Select(c => c & 31), .. data]) != 1)
        {
            throw new ArgumentException("the address's checksum is wrong", nameof(address));
        }
        return Regroup(data.Take(data.Count - 6));
    }

    private static int Polymod(IEnumerable<int> values)
    {
        int[] generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
        var check = 1;
        foreach (var value in values)
        {
            var top = check >> 25;
            check = ((check & 0x1ffffff) << 5) ^ value;
            for (var i = 0; i < 5; i++)
            {
                check ^= ((top >> i) & 1) != 0 ? generator[i] : 0;
            }
        }
        return check;
    }

    private static byte[] Regroup(IEnumerable<int> fiveBitGroups)
    {
        var bytes = new List<byte>();
        int accumulator = 0, bits = 0;
        foreach (var group in fiveBitGroups)
        {
            accumulator = (accumulator << 5) | group;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)((accumulator >> bits) & 0xff));
            }
        }
        return [.. bytes];
    }
}
