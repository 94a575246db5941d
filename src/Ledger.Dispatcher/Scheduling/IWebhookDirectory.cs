using Ledger.Domain;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>The webhooks as the dispatcher needs them: their current configuration, and word of each change.</summary>
public interface IWebhookDirectory
{
    WebhookState? Find(string webhookId);

    /// <summary>Raised after a webhook's configuration changed (a disabled webhook enabled again wakes its lanes).</summary>
    event Action<WebhookState>? Changed;
}
