namespace Ledger.Domain.Wire;

/// <summary>
/// The schemes with one hex HMAC-SHA256 of the body in one header. That header always carries the current secret's
/// signature alone, exactly as single-secret receivers compare it; during a rotation overlap the previous secret's
/// signature goes in <c>{header}-Previous</c> (comma-separated if there were ever more than one), for receivers that
/// still hold the old secret and check that header too.
/// </summary>
internal static class HexHmacSigning
{
    public static void AddSignatures(
        List<KeyValuePair<string, string>> headers, string header, string valuePrefix, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets)
    {
        WireSigning.RequireSecrets(secrets);
        headers.Add(new(header, valuePrefix + WireSigning.HexHmac(secrets[0], [], body)));
        if (secrets.Count > 1)
        {
            var previous = new string[secrets.Count - 1];
            for (var i = 1; i < secrets.Count; i++)
            {
                previous[i - 1] = valuePrefix + WireSigning.HexHmac(secrets[i], [], body);
            }
            headers.Add(new(header + "-Previous", string.Join(',', previous)));
        }
    }
}

/// <summary>
/// <c>v2k</c> (seed 001): <c>{"event","timestamp","data"}</c>, <c>X-V2K-Signature</c> and <c>X-V2K-Event</c>. The body
/// has no event id, so <c>X-V2K-Event-Id</c> carries it for deduplication.
/// </summary>
internal sealed class V2kProfile : IWireProfile
{
    public string Name => Profiles.V2k;
    public string ContentType => WireProfiles.JsonContentType;
    public string UserAgent => WireProfiles.LedgerUserAgent;

    public byte[] RenderBody(EnvelopeInput e)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var output = new PooledByteWriter();
        output.Write("{\"event\":"u8);
        EnvelopeWriter.String(e.EventType, output);
        output.Write(",\"timestamp\":"u8);
        EnvelopeWriter.IsoTimestamp(e.CreatedAt, output);
        output.Write(",\"data\":"u8);
        EnvelopeWriter.Data(e.Data, output);
        output.Write((byte)'}');
        return output.ToArray();
    }

    public IReadOnlyList<KeyValuePair<string, string>> SignatureHeaders(
        EnvelopeInput e, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset attemptAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        var headers = new List<KeyValuePair<string, string>>(4);
        HexHmacSigning.AddSignatures(headers, "X-V2K-Signature", "", body, secrets);
        headers.Add(new("X-V2K-Event", e.EventType));
        headers.Add(new("X-V2K-Event-Id", e.EventId));
        return headers;
    }
}

/// <summary><c>generic</c> (seed 002): <c>{"id","type","created_at","data"}</c>, <c>X-Webhook-Signature</c> and <c>X-Webhook-Id</c>.</summary>
internal sealed class GenericProfile : IWireProfile
{
    public string Name => Profiles.Generic;
    public string ContentType => WireProfiles.JsonContentType;
    public string UserAgent => WireProfiles.LedgerUserAgent;

    public byte[] RenderBody(EnvelopeInput e) => EnvelopeWriter.IdTypeTimeData(e, ",\"created_at\":"u8);

    public IReadOnlyList<KeyValuePair<string, string>> SignatureHeaders(
        EnvelopeInput e, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset attemptAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        var headers = new List<KeyValuePair<string, string>>(3);
        HexHmacSigning.AddSignatures(headers, "X-Webhook-Signature", "", body, secrets);
        headers.Add(new("X-Webhook-Id", e.EventId));
        return headers;
    }
}

/// <summary><c>github</c>: <c>{"id","type","timestamp","data"}</c>, <c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c>, <c>X-GitHub-Event</c>, <c>X-GitHub-Delivery</c>.</summary>
internal sealed class GithubProfile : IWireProfile
{
    public string Name => Profiles.Github;
    public string ContentType => WireProfiles.JsonContentType;
    public string UserAgent => WireProfiles.LedgerUserAgent;

    public byte[] RenderBody(EnvelopeInput e) => EnvelopeWriter.IdTypeTimeData(e, ",\"timestamp\":"u8);

    public IReadOnlyList<KeyValuePair<string, string>> SignatureHeaders(
        EnvelopeInput e, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset attemptAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        var headers = new List<KeyValuePair<string, string>>(4);
        HexHmacSigning.AddSignatures(headers, "X-Hub-Signature-256", "sha256=", body, secrets);
        headers.Add(new("X-GitHub-Event", e.EventType));
        headers.Add(new("X-GitHub-Delivery", e.EventId));
        return headers;
    }
}
