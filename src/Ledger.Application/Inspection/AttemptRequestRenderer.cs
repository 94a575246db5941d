using System.Globalization;
using Ledger.Domain;
using Ledger.Domain.Wire;
using Ledger.EventStore;
using Ledger.Keys;
using Ledger.Projections;

namespace Ledger.Application.Inspection;

/// <summary>
/// Renders the requests of a delivery's attempts again, byte for byte, with the wire profile code the dispatcher
/// sends with: the stored event, the webhook's profile, the secrets the attempt recorded (by fingerprint) and the
/// time it signed at. <c>kepler</c> is signed by the server's Ed25519 keys valid at that time, through the same
/// <see cref="IDeliverySigner"/> the dispatcher signs with (Ed25519 is deterministic: signing again gives the bytes
/// sent). Nothing of the request is stored per attempt. One read of the delivery's lane.
/// </summary>
public sealed class AttemptRequestRenderer(IEventStore store, WebhookRegistry registry, ISigningSecretSource secrets, IDeliverySigner signer)
{
    public async Task<IReadOnlyDictionary<int, RenderedAttempt>> RenderAsync(TenantId tenant, DeliveryView delivery, CancellationToken cancellationToken)
    {
        var rendered = new Dictionary<int, RenderedAttempt>();
        var webhook = registry.Find(delivery.WebhookId);
        var profile = WireProfiles.TryGet(webhook?.Profile, out var hmac) ? hmac : null;
        if (delivery.StreamId is null || webhook is null || webhook.TenantId != tenant.Value || (profile is null && webhook.Profile != Profiles.Kepler))
        {
            return rendered;
        }
        long? eventPosition = null;
        var attempts = new List<(int Number, DateTimeOffset StartedAt, AttemptWire? Wire)>();
        foreach (var stored in await store.ReadStreamAsync(delivery.StreamId, 0, int.MaxValue, cancellationToken))
        {
            switch (EventSerializer.Deserialize(stored))
            {
                case DeliveryEnqueued x when x.DeliveryId == delivery.Id:
                    eventPosition = x.EventPosition;
                    break;
                case AttemptSucceeded x when x.DeliveryId == delivery.Id:
                    attempts.Add((x.AttemptNumber, x.StartedAt, x.Wire));
                    break;
                case AttemptFailed x when x.DeliveryId == delivery.Id:
                    attempts.Add((x.AttemptNumber, x.StartedAt, x.Wire));
                    break;
            }
        }
        if (eventPosition is not { } position || await store.ReadAtAsync(position, cancellationToken) is not { } stored2
            || EventSerializer.Deserialize(stored2) is not EventPublished published)
        {
            return rendered;
        }
        var input = EnvelopeInput.From(published, webhook.WebhookId);
        if (profile is null)
        {
            foreach (var (number, startedAt, wire) in attempts)
            {
                var signedAt = wire?.SignedAt ?? startedAt;
                var signed = await signer.RenderAsync(webhook, input, signedAt, cancellationToken);
                rendered[number] = Render(number, webhook, signed.UserAgent, signed.Headers, signed.ContentType, signed.Body, signedAt, exact: wire is not null, wire);
            }
            return rendered;
        }
        var body = profile.RenderBody(input);
        var held = await secrets.KnownSecretsAsync(tenant, webhook.WebhookId, cancellationToken);
        var known = held.ToDictionary(SecretFingerprint.Of, s => s, StringComparer.Ordinal);
        foreach (var (number, startedAt, wire) in attempts)
        {
            var signedAt = wire?.SignedAt ?? startedAt;
            IReadOnlyList<string>? used = wire is null
                ? [.. held.Take(webhook.PreviousSecretExpiresAt > startedAt ? 2 : 1)]
                : wire.SecretFingerprints.All(known.ContainsKey) ? [.. wire.SecretFingerprints.Select(f => known[f])] : null;
            IReadOnlyList<KeyValuePair<string, string>> signatures = used is { Count: > 0 } ? profile.SignatureHeaders(input, body, used, signedAt) : [];
            rendered[number] = Render(number, webhook, profile.UserAgent, signatures, profile.ContentType, body, signedAt, exact: wire is not null && used is not null, wire);
        }
        return rendered;
    }

    private static RenderedAttempt Render(
        int number, WebhookState webhook, string userAgent, IReadOnlyList<KeyValuePair<string, string>> profileHeaders, string contentType, byte[] body,
        DateTimeOffset signedAt, bool exact, AttemptWire? wire)
    {
        var url = new Uri(webhook.Url);
        var headers = new List<HttpHeader>
        {
            new("Host", url.IsDefaultPort ? url.IdnHost : string.Create(CultureInfo.InvariantCulture, $"{url.IdnHost}:{url.Port}")),
            new("User-Agent", userAgent),
        };
        headers.AddRange(profileHeaders.Select(h => new HttpHeader(h.Key, h.Value)));
        if (wire?.TraceParent is { } traceParent)
        {
            headers.Add(new HttpHeader("traceparent", traceParent));
        }
        headers.Add(new HttpHeader("Content-Type", contentType));
        headers.Add(new HttpHeader("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture)));
        return new RenderedAttempt(number, "POST", webhook.Url, headers, body, signedAt, exact, UrlChangedSince: webhook.UpdatedAt > signedAt, wire?.ResponseHeaders);
    }
}
