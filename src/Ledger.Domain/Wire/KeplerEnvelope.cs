using System.Text.Json;

namespace Ledger.Domain.Wire;

/// <summary>
/// <c>kepler</c> (seed 003): <c>{"event":{"address","identifier","topics","data","txHash"},"timestamp","webhook"}</c>
/// built from the event's data. It is signed with the server's Ed25519 key, not with a webhook secret, so the
/// signing lives with the keys; this is the part that is pure: the body and where the signatures go.
/// </summary>
public static class KeplerEnvelope
{
    public const string ContentType = "application/json";
    public const string UserAgent = "ProjectX-Kepler/1.0";
    public const string SignatureHeader = "X-Signature";

    public static byte[] RenderBody(EnvelopeInput e)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var output = new PooledByteWriter();
        output.Write("{\"event\":{\"address\":"u8);
        Field(e.Data, "address", "\"\""u8, output);
        output.Write(",\"identifier\":"u8);
        Field(e.Data, "identifier", "\"\""u8, output);
        output.Write(",\"topics\":"u8);
        Field(e.Data, "topics", "[]"u8, output);
        output.Write(",\"data\":"u8);
        Field(e.Data, "data", "\"\""u8, output);
        output.Write(",\"txHash\":"u8);
        Field(e.Data, "txHash", "\"\""u8, output);
        output.Write("},\"timestamp\":"u8);
        EnvelopeWriter.Integer(e.CreatedAt.ToUnixTimeSeconds(), output);
        output.Write(",\"webhook\":"u8);
        EnvelopeWriter.String(e.WebhookId, output);
        output.Write((byte)'}');
        return output.ToArray();
    }

    /// <summary>
    /// <c>X-Signature</c> carries the active key's signature; during a signing-key rotation overlap the previous
    /// key's goes in <c>X-Signature-Previous</c>, as the hex HMAC profiles do. <c>X-Event-Id</c> is for deduplication.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Headers(EnvelopeInput e, IReadOnlyList<string> hexSignatures)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(hexSignatures);
        if (hexSignatures.Count == 0)
        {
            throw new ArgumentException("a kepler delivery is signed by at least one key", nameof(hexSignatures));
        }
        var headers = new List<KeyValuePair<string, string>>(3) { new(SignatureHeader, hexSignatures[0]) };
        if (hexSignatures.Count > 1)
        {
            headers.Add(new(SignatureHeader + "-Previous", string.Join(',', hexSignatures.Skip(1))));
        }
        headers.Add(new("X-Event-Id", e.EventId));
        return headers;
    }

    private static void Field(JsonElement data, string name, ReadOnlySpan<byte> absent, PooledByteWriter output)
    {
        if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            EnvelopeWriter.Data(value, output);
        }
        else
        {
            output.Write(absent);
        }
    }
}
