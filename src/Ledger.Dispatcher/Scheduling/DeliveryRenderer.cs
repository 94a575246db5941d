using Ledger.Dispatcher.Http;
using Ledger.Domain;
using Ledger.Domain.Wire;
using Ledger.Keys;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// Renders and signs one attempt of a delivery (the webhook's wire profile, its secrets opened by the signer) as
/// the request to send, with the attempt's W3C <c>traceparent</c> beside the profile's headers (docs/observability.md).
/// </summary>
public sealed class DeliveryRenderer(IDeliverySigner signer, DispatcherOptions options)
{
    public const string TraceParentHeader = "traceparent";

    public async ValueTask<SignedRequest> RenderAsync(WebhookState webhook, EventPublished published, DateTimeOffset attemptAt, string traceParent, CancellationToken cancellationToken)
    {
        var wire = await signer.RenderAsync(webhook, EnvelopeInput.From(published, webhook.WebhookId), attemptAt, cancellationToken);
        IReadOnlyList<KeyValuePair<string, string>> headers = [.. wire.Headers, new(TraceParentHeader, traceParent)];
        return new SignedRequest(
            new SendRequest(new Uri(webhook.Url), wire.Body, wire.ContentType, wire.UserAgent, headers, TimeSpan.FromSeconds(options.TimeoutSeconds)),
            attemptAt, wire.SecretFingerprints);
    }
}
