using Ledger.Domain;
using Ledger.Domain.Wire;

namespace Ledger.Keys;

/// <summary>
/// Renders and signs one attempt of a webhook's delivery. For a webhook state and an attempt time it gives the
/// exact request sent then: the secrets in force at that time (opened from their sealed form), or, for
/// <c>kepler</c>, the server's signing keys valid then.
/// </summary>
public interface IDeliverySigner
{
    ValueTask<WireRequest> RenderAsync(WebhookState webhook, EnvelopeInput e, DateTimeOffset attemptAt, CancellationToken cancellationToken);
}

public sealed class DeliverySigner(WebhookSecrets secrets, SigningKeys signingKeys) : IDeliverySigner
{
    public async ValueTask<WireRequest> RenderAsync(WebhookState webhook, EnvelopeInput e, DateTimeOffset attemptAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        if (webhook.Profile == Profiles.Kepler)
        {
            var body = KeplerEnvelope.RenderBody(e);
            var signatures = await signingKeys.SignMultiversXAsync(body, attemptAt, cancellationToken);
            return new WireRequest(body, KeplerEnvelope.ContentType, KeplerEnvelope.UserAgent, KeplerEnvelope.Headers(e, signatures));
        }
        var profile = WireProfiles.Get(webhook.Profile);
        return profile.Render(e, await secrets.SigningSecretsAsync(webhook, attemptAt, cancellationToken), attemptAt);
    }
}
