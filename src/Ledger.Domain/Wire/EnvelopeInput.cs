using System.Text.Json;

namespace Ledger.Domain.Wire;

/// <summary>
/// What a wire profile needs to render one event for one webhook. <c>CreatedAt</c> is the event's publish time:
/// envelope times are the event's own, never the attempt's, so every retry carries the same body.
/// </summary>
public sealed record EnvelopeInput(
    string EventId,
    string EventType,
    JsonElement Data,
    string? ApiVersion,
    IReadOnlyDictionary<string, string>? Metadata,
    DateTimeOffset CreatedAt,
    string WebhookId)
{
    public static EnvelopeInput From(EventPublished published, string webhookId)
    {
        ArgumentNullException.ThrowIfNull(published);
        return new(published.EventId, published.Type, published.Data, published.ApiVersion, published.Metadata, published.CreatedAt, webhookId);
    }
}
