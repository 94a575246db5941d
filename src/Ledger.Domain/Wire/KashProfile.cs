using System.Globalization;
using System.Text;

namespace Ledger.Domain.Wire;

/// <summary>
/// <c>kash</c> (seed 000): <c>{"id","type","apiVersion","createdAt","data"}</c>, the event's metadata carried in
/// <c>data.metadata</c>, and a Stripe-form signature <c>t=&lt;unix ms&gt;,v1=&lt;hex&gt;[,v1=&lt;hex&gt;]</c>.
/// </summary>
internal sealed class KashProfile : IWireProfile
{
    /// <summary>
    /// The apiVersion of an event published without one. Kash pins a version on every event and its docs show the
    /// field always present, so a body never says <c>null</c> there; this is the version the seed documents.
    /// </summary>
    public const string DefaultApiVersion = "2026-04-29";

    public string Name => Profiles.Kash;
    public string ContentType => WireProfiles.JsonContentType;
    public string UserAgent => "KashDAO-Webhook-Delivery/1.0";

    public byte[] RenderBody(EnvelopeInput e)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var output = new PooledByteWriter();
        output.Write("{\"id\":"u8);
        EnvelopeWriter.String(e.EventId, output);
        output.Write(",\"type\":"u8);
        EnvelopeWriter.String(e.EventType, output);
        output.Write(",\"apiVersion\":"u8);
        EnvelopeWriter.String(ApiVersionOf(e), output);
        output.Write(",\"createdAt\":"u8);
        EnvelopeWriter.IsoTimestamp(e.CreatedAt, output);
        output.Write(",\"data\":"u8);
        // The event's metadata replaces data.metadata in its place, or is appended; data that is not an object
        // cannot carry it and goes out as published.
        if (e.Metadata is { Count: > 0 } metadata && e.Data.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            CanonicalJson.WriteObject(e.Data, output, "metadata", o => EnvelopeWriter.StringMap(metadata, o));
        }
        else
        {
            EnvelopeWriter.Data(e.Data, output);
        }
        output.Write((byte)'}');
        return output.ToArray();
    }

    public IReadOnlyList<KeyValuePair<string, string>> SignatureHeaders(
        EnvelopeInput e, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset attemptAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        WireSigning.RequireSecrets(secrets);
        var t = attemptAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.ASCII.GetBytes(t + ".");
        var header = new StringBuilder("t=").Append(t);
        foreach (var secret in secrets)
        {
            header.Append(",v1=").Append(WireSigning.HexHmac(secret, signed, body));
        }
        return
        [
            new("X-Kash-Signature", header.ToString()),
            new("X-Kash-Event-Id", e.EventId),
            new("X-Kash-Api-Version", ApiVersionOf(e)),
        ];
    }

    private static string ApiVersionOf(EnvelopeInput e) => e.ApiVersion ?? DefaultApiVersion;
}
