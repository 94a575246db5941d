using Ledger.Domain;
using Ledger.Keys;
using Ledger.Projections;

namespace Ledger.Application.Inspection;

/// <summary>
/// The one place the Inspector reads signing secrets from, to sign an attempt's request again as it was sent. It
/// answers the secrets the server still holds for a webhook, newest first; the renderer picks among them by the
/// fingerprints the attempt recorded. Secrets read here never leave the server: only signatures made with them do.
/// </summary>
public interface ISigningSecretSource
{
    ValueTask<IReadOnlyList<string>> KnownSecretsAsync(TenantId tenant, string webhookId, CancellationToken cancellationToken);
}

/// <summary>
/// The secrets the dispatcher signs with: the webhook's current secret and the previous one, as the registry holds
/// them (sealed at rest), opened by <see cref="WebhookSecrets"/>, the same resolver the delivery signer uses.
/// </summary>
public sealed class RegistrySigningSecrets(WebhookRegistry registry, WebhookSecrets secrets) : ISigningSecretSource
{
    public async ValueTask<IReadOnlyList<string>> KnownSecretsAsync(TenantId tenant, string webhookId, CancellationToken cancellationToken)
    {
        var webhook = registry.Find(webhookId);
        if (webhook is null || webhook.TenantId != tenant.Value)
        {
            return [];
        }
        var known = new List<string>();
        foreach (var stored in webhook.PreviousSecret is { } previous ? [webhook.Secret, previous] : new[] { webhook.Secret })
        {
            known.Add(await secrets.RevealAsync(webhook.TenantId, webhook.WebhookId, stored, cancellationToken));
        }
        return known;
    }
}
