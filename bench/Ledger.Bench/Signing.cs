using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.Bench;

/// <summary>Standard Webhooks signing, as the baseline and the Hangfire peer sign (and the receivers check).</summary>
public static class Signing
{
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static byte[] KeyOf(string secret) =>
        secret.StartsWith("whsec_", StringComparison.Ordinal)
            ? Convert.FromBase64String(secret["whsec_".Length..])
            : throw new ArgumentException("not a whsec_ secret", nameof(secret));

    /// <summary>base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).</summary>
    public static string Sign(byte[] key, string id, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefixLength = Encoding.UTF8.GetByteCount(id) + Encoding.UTF8.GetByteCount(timestamp) + 2;
        var buffer = ArrayPool<byte>.Shared.Rent(prefixLength + body.Length);
        try
        {
            var written = Encoding.UTF8.GetBytes(id, buffer);
            buffer[written++] = (byte)'.';
            written += Encoding.UTF8.GetBytes(timestamp, buffer.AsSpan(written));
            buffer[written++] = (byte)'.';
            body.CopyTo(buffer.AsSpan(written));
            Span<byte> mac = stackalloc byte[32];
            HMACSHA256.HashData(key, buffer.AsSpan(0, written + body.Length), mac);
            return Convert.ToBase64String(mac);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The three Standard Webhooks headers for one attempt now.</summary>
    public static void AddHeaders(HttpRequestMessage message, byte[] key, string id, byte[] body)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        message.Headers.TryAddWithoutValidation("webhook-id", id);
        message.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp);
        message.Headers.TryAddWithoutValidation("webhook-signature", "v1," + Sign(key, id, timestamp, body));
    }
}
