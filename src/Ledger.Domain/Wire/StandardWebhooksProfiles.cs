using System.Globalization;

namespace Ledger.Domain.Wire;

/// <summary>
/// Standard Webhooks signing: <c>{prefix}-id</c> (the event id), <c>{prefix}-timestamp</c> (unix seconds of the
/// attempt) and <c>{prefix}-signature</c>, one <c>v1,&lt;base64&gt;</c> per secret separated by spaces, which the
/// standardwebhooks and svix libraries accept when any one of them matches.
/// </summary>
internal static class StandardWebhooksSigning
{
    public static IReadOnlyList<KeyValuePair<string, string>> Headers(
        string prefix, string eventId, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset attemptAt)
    {
        WireSigning.RequireSecrets(secrets);
        var timestamp = attemptAt.ToUnixTimeSeconds();
        var signatures = new string[secrets.Count];
        for (var i = 0; i < secrets.Count; i++)
        {
            signatures[i] = WireSigning.StandardSignature(secrets[i], eventId, timestamp, body);
        }
        return
        [
            new(prefix + "-id", eventId),
            new(prefix + "-timestamp", timestamp.ToString(CultureInfo.InvariantCulture)),
            new(prefix + "-signature", string.Join(' ', signatures)),
        ];
    }
}

/// <summary><c>standard</c>: <c>{"id","type","timestamp","data"}</c> signed the Standard Webhooks way.</summary>
internal sealed class StandardProfile : IWireProfile
{
    public string Name => Profiles.Standard;
    public string ContentType => WireProfiles.JsonContentType;
    public string UserAgent => WireProfiles.LedgerUserAgent;

    public byte[] RenderBody(EnvelopeInput e) => EnvelopeWriter.IdTypeTimeData(e, ",\"timestamp\":"u8);

    public IReadOnlyList<KeyValuePair<string, string>> SignatureHeaders(
        EnvelopeInput e, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset attemptAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        return StandardWebhooksSigning.Headers("webhook", e.EventId, body, secrets, attemptAt);
    }
}

/// <summary>
/// <c>svix</c> (seed 004): <c>{"eventType","id","version","timestamp","data"}</c> with the timestamp in unix seconds
/// and <c>version</c> the event's apiVersion or "1.0", signed as <c>standard</c> under <c>svix-*</c> names.
/// </summary>
internal sealed class SvixProfile : IWireProfile
{
    public const string DefaultVersion = "1.0";

    public string Name => Profiles.Svix;
    public string ContentType => WireProfiles.JsonContentType;
    public string UserAgent => WireProfiles.LedgerUserAgent;

    public byte[] RenderBody(EnvelopeInput e)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var output = new PooledByteWriter();
        output.Write("{\"eventType\":"u8);
        EnvelopeWriter.String(e.EventType, output);
        output.Write(",\"id\":"u8);
        EnvelopeWriter.String(e.EventId, output);
        output.Write(",\"version\":"u8);
        EnvelopeWriter.String(e.ApiVersion ?? DefaultVersion, output);
        output.Write(",\"timestamp\":"u8);
        EnvelopeWriter.Integer(e.CreatedAt.ToUnixTimeSeconds(), output);
        output.Write(",\"data\":"u8);
        EnvelopeWriter.Data(e.Data, output);
        output.Write((byte)'}');
        return output.ToArray();
    }

    public IReadOnlyList<KeyValuePair<string, string>> SignatureHeaders(
        EnvelopeInput e, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset attemptAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        return StandardWebhooksSigning.Headers("svix", e.EventId, body, secrets, attemptAt);
    }
}
