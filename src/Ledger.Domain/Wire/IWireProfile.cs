namespace Ledger.Domain.Wire;

/// <summary>One wire profile of docs/wire-profiles.md: the body envelope, the headers and the signature scheme a receiver expects.</summary>
public interface IWireProfile
{
    string Name { get; }

    string ContentType { get; }

    string UserAgent { get; }

    /// <summary>The request body. Deterministic: the same input gives the same bytes, so every retry sends what the first attempt sent.</summary>
    byte[] RenderBody(EnvelopeInput e);

    /// <summary>
    /// The profile's headers for one attempt: the signature over <paramref name="body"/> and the event headers, in
    /// the order to send them. <paramref name="secrets"/> lists the current secret first, then the previous one
    /// during a rotation overlap; every secret gets its own signature. Timestamps in the headers are
    /// <paramref name="attemptAt"/>'s, so receivers can reject stale replays.
    /// </summary>
    IReadOnlyList<KeyValuePair<string, string>> SignatureHeaders(
        EnvelopeInput e, ReadOnlySpan<byte> body, IReadOnlyList<string> secrets, DateTimeOffset attemptAt);
}

/// <summary>Everything one attempt sends besides the URL, and which secrets signed it (<see cref="SecretFingerprint"/>; none for kepler).</summary>
public sealed record WireRequest(
    byte[] Body,
    string ContentType,
    string UserAgent,
    IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public IReadOnlyList<string> SecretFingerprints { get; init; } = [];
}

public static class WireProfileExtensions
{
    /// <summary>Renders the body and signs it for one attempt.</summary>
    public static WireRequest Render(this IWireProfile profile, EnvelopeInput e, IReadOnlyList<string> secrets, DateTimeOffset attemptAt)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var body = profile.RenderBody(e);
        return new WireRequest(body, profile.ContentType, profile.UserAgent, profile.SignatureHeaders(e, body, secrets, attemptAt))
        {
            SecretFingerprints = [.. secrets.Select(SecretFingerprint.Of)],
        };
    }
}
