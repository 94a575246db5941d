using System.Text;
using Ledger.Domain;

namespace Ledger.Keys;

/// <summary>
/// Webhook signing secrets at rest (docs/operations.md): sealed under the tenant's data key before they enter the ledger,
/// opened only to sign. Secrets of ledgers written before encryption are plain text in their old events; they are
/// used as they are (and, like every secret, never shown).
/// </summary>
public sealed class WebhookSecrets(KeyRing ring)
{
    /// <summary>The value to store in the ledger for a webhook's new secret.</summary>
    public async ValueTask<string> SealAsync(TenantId tenant, string webhookId, string secret, CancellationToken cancellationToken)
    {
        var key = await ring.ForScopeAsync(tenant.Value, cancellationToken);
        return SecretBox.Seal(key, Encoding.UTF8.GetBytes(secret), webhookId);
    }

    /// <summary>The secret a stored value stands for; a plain-text value (written before encryption) is returned as it is.</summary>
    public async ValueTask<string> RevealAsync(string tenantId, string webhookId, string stored, CancellationToken cancellationToken)
    {
        if (SecretBox.KeyIdOf(stored) is not { } keyId)
        {
            return stored;
        }
        var key = await ring.ByIdAsync(keyId, cancellationToken);
        if (key.Scope != tenantId)
        {
            throw new CryptographicSealException($"the secret of {webhookId} is sealed for another tenant");
        }
        return SecretBox.OpenText(key, stored, webhookId);
    }

    /// <summary>
    /// The secrets that sign a delivery of <paramref name="webhook"/> at <paramref name="at"/>, in the clear: the
    /// current one, and the previous one during a rotation overlap (<see cref="WebhookState.SigningSecrets"/>).
    /// </summary>
    public async ValueTask<IReadOnlyList<string>> SigningSecretsAsync(WebhookState webhook, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var stored = webhook.SigningSecrets(at);
        var secrets = new string[stored.Count];
        for (var i = 0; i < stored.Count; i++)
        {
            secrets[i] = await RevealAsync(webhook.TenantId, webhook.WebhookId, stored[i], cancellationToken);
        }
        return secrets;
    }
}
