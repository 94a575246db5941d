using System.Globalization;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace Ledger.Keys;

/// <summary>
/// MultiversX message signing (sdk-core's <c>MessageComputer</c>, version 1): the Ed25519 signature is over
/// <c>keccak256("\x17Elrond Signed Message:\n" + byteLength(message) + message)</c>, the length written in decimal.
/// </summary>
public static class MultiversXMessage
{
    public const string Prefix = "\u0017Elrond Signed Message:\n";

    public static byte[] BytesToSign(ReadOnlySpan<byte> message)
    {
        var digest = new KeccakDigest(256);
        var prefix = Encoding.UTF8.GetBytes(Prefix + message.Length.ToString(CultureInfo.InvariantCulture));
        digest.BlockUpdate(prefix, 0, prefix.Length);
        digest.BlockUpdate(message);
        var hash = new byte[32];
        digest.DoFinal(hash, 0);
        return hash;
    }
}
