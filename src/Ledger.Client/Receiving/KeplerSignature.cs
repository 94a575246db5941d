using System.Globalization;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Ledger.Client.Receiving;

/// <summary>
/// The <c>kepler</c> profile's signature: Ed25519 by the Ledger server's signing key, in MultiversX message-signing
/// form — over <c>keccak256("\x17Elrond Signed Message:\n" + byteLength(body) + body)</c>, hex in <c>X-Signature</c>
/// (and the previous key's in <c>X-Signature-Previous</c> during a key rotation). The keys are the server's public
/// ones: <c>GET /v1/signing-keys</c> lists them, as hex or as <c>erd1…</c> addresses.
/// </summary>
internal static class KeplerSignature
{
    private const string Prefix = "\u0017Elrond Signed Message:\n";

    /// <exception cref="ArgumentException">Not an address or hex Ed25519 public key.</exception>
    public static Ed25519PublicKeyParameters PublicKey(string hexOrAddress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hexOrAddress);
        var key = hexOrAddress.StartsWith("erd1", StringComparison.Ordinal) ? Bech32Address.Decode(hexOrAddress) : Convert.FromHexString(hexOrAddress);
        return key.Length == 32 ? new Ed25519PublicKeyParameters(key, 0) : throw new ArgumentException("an Ed25519 public key is 32 bytes", nameof(hexOrAddress));
    }

    public static VerificationResult Verify(IReadOnlyList<Ed25519PublicKeyParameters> publicKeys, Func<string, string?> header, ReadOnlySpan<byte> body)
    {
        var offered = new[] { header("X-Signature") }
            .Concat((header("X-Signature-Previous") ?? "").Split(','))
            .Where(s => !string.IsNullOrEmpty(s))
            .ToList();
        if (offered.Count == 0)
        {
            return VerificationResult.Invalid("missing X-Signature");
        }
        var signed = MessageHash(body);
        foreach (var hex in offered)
        {
            if (hex!.Length != 128 || !IsHex(hex))
            {
                continue;
            }
            var signature = Convert.FromHexString(hex);
            foreach (var key in publicKeys)
            {
                var verifier = new Ed25519Signer();
                verifier.Init(false, key);
                verifier.BlockUpdate(signed, 0, signed.Length);
                if (verifier.VerifySignature(signature))
                {
                    return VerificationResult.Valid;
                }
            }
        }
        return VerificationResult.Invalid("no signature matches a signing key");
    }

    private static byte[] MessageHash(ReadOnlySpan<byte> body)
    {
        var digest = new KeccakDigest(256);
        var prefix = Encoding.UTF8.GetBytes(Prefix + body.Length.ToString(CultureInfo.InvariantCulture));
        digest.BlockUpdate(prefix, 0, prefix.Length);
        digest.BlockUpdate(body);
        var hash = new byte[32];
        digest.DoFinal(hash, 0);
        return hash;
    }

    private static bool IsHex(string text) => text.All(Uri.IsHexDigit);
}
