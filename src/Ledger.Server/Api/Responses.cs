using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;

namespace Ledger.Server.Api;

/// <summary>The REST API's bodies (CONTRACT §3), built from read-model views.</summary>
public static class Responses
{
    public static Dictionary<string, object?> Webhook(WebhookView w, string? secret = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["id"] = w.Id,
            ["url"] = w.Url,
            ["events"] = w.Events,
            ["description"] = w.Description,
            ["profile"] = w.Profile,
            ["active"] = w.Active,
            ["isActive"] = w.Active,
            ["disabledReason"] = w.DisabledReason,
            ["ordering"] = w.Ordering,
            ["circuitState"] = w.CircuitState,
            ["retrySchedule"] = w.RetrySchedule,
            ["maxAttemptAgeSeconds"] = w.MaxAttemptAgeSeconds,
            ["rateLimitPerMinute"] = w.RateLimitPerMinute,
            ["filters"] = w.Filters,
            ["metadata"] = w.Metadata,
            ["createdAt"] = w.CreatedAt,
            ["updatedAt"] = w.UpdatedAt,
        };
        if (secret is not null)
        {
            body["secret"] = secret;
        }
        return body;
    }

    public static Dictionary<string, object?> Delivery(DeliveryView d) => new()
    {
        ["id"] = d.Id,
        ["eventId"] = d.EventId,
        ["webhookId"] = d.WebhookId,
        ["type"] = d.Type,
        ["status"] = d.Status,
        ["attempts"] = d.Attempts,
        ["lastAttemptedAt"] = d.LastAttemptedAt,
        ["lastStatusCode"] = d.LastStatusCode,
        ["lastFailureCode"] = d.LastFailureCode,
        ["lastErrorMessage"] = d.LastErrorMessage,
        ["nextAttemptAt"] = d.NextAttemptAt,
        ["terminalFailureAt"] = d.TerminalFailureAt,
        ["deliveredAt"] = d.DeliveredAt,
        ["createdAt"] = d.CreatedAt,
    };

    public static Dictionary<string, object?> DeliveryWithAttempts(DeliveryView d, IReadOnlyList<AttemptView> attempts)
    {
        var body = Delivery(d);
        body["attemptLog"] = attempts.Select(a => new Dictionary<string, object?>
        {
            ["number"] = a.Number,
            ["startedAt"] = a.StartedAt,
            ["durationMs"] = a.DurationMs,
            ["statusCode"] = a.StatusCode,
            ["failureCode"] = a.FailureCode,
            ["errorMessage"] = a.ErrorMessage,
            ["responseBody"] = a.ResponseBody,
        }).ToList();
        return body;
    }

    public static Dictionary<string, object?> Published(string eventId, IReadOnlyList<PlannedDelivery> deliveries) => new()
    {
        ["id"] = eventId,
        ["deliveries"] = deliveries.Select(d => new Dictionary<string, object?> { ["id"] = d.DeliveryId, ["webhookId"] = d.WebhookId }).ToList(),
    };

    /// <summary>One ledger event as the stream API shows it: secrets masked (<see cref="SecretMasking"/>), the hash the stored one.</summary>
    public static Dictionary<string, object?> LedgerEvent(StoredEvent e)
    {
        using var document = JsonDocument.Parse(e.Data);
        return new Dictionary<string, object?>
        {
            ["streamId"] = e.StreamId,
            ["version"] = e.Version,
            ["position"] = e.Position.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["type"] = e.Type,
            ["occurredAt"] = e.OccurredAt,
            ["data"] = SecretMasking.Masked(document.RootElement),
            ["hash"] = e.Hash,
        };
    }
}
