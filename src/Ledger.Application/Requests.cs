using System.Text.Json;
using Ledger.Domain;
using Ledger.Projections;

namespace Ledger.Application;

/// <summary>A publish as the API received it; validation happens in <see cref="LedgerService.PublishAsync"/>.</summary>
public sealed record PublishRequest(
    string? Type,
    JsonElement? Data,
    string? Id = null,
    string? ApiVersion = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    string? OrderingKey = null);

public sealed record PublishResult(string EventId, IReadOnlyList<PlannedDelivery> Deliveries, bool Created, long Position);

public sealed record WebhookCreated(WebhookView Webhook, string Secret);

/// <summary>Checks a webhook URL's destination (the SSRF guard), at create and update.</summary>
public interface IDestinationPolicy
{
    /// <summary>Null when the URL may be delivered to, else why not.</summary>
    Task<string?> RefusalAsync(Uri url, CancellationToken cancellationToken);
}

public sealed class LedgerLimits
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "Ledger:Limits";

    public int WebhooksPerTenant { get; set; } = 10;
}
