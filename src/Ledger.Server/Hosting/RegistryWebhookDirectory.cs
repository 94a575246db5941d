using Ledger.Dispatcher.Scheduling;
using Ledger.Domain;
using Ledger.Projections;

namespace Ledger.Server.Hosting;

/// <summary>The dispatcher's view of the webhooks: the in-memory registry the projections keep current.</summary>
public sealed class RegistryWebhookDirectory(WebhookRegistry registry) : IWebhookDirectory
{
    public WebhookState? Find(string webhookId) => registry.Find(webhookId);

    public event Action<WebhookState>? Changed
    {
        add => registry.Changed += value;
        remove => registry.Changed -= value;
    }
}
