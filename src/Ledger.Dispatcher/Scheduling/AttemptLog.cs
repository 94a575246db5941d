using Ledger.Dispatcher.Http;
using Ledger.Domain;
using Microsoft.Extensions.Logging;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// One log entry per recorded attempt, with the event, delivery and webhook ids as fields (a JSON console or an
/// OpenTelemetry log exporter keeps them as such): a success at Debug, a failure at Information.
/// </summary>
internal static partial class AttemptLog
{
    public static void Recorded(ILogger logger, LaneDelivery delivery, SendResult result)
    {
        if (result.Succeeded)
        {
            Delivered(logger, delivery.DeliveryId, delivery.Attempts + 1, delivery.EventId, delivery.EventType, delivery.WebhookId, result.StatusCode, result.DurationMs);
        }
        else
        {
            Failed(logger, delivery.DeliveryId, delivery.Attempts + 1, delivery.EventId, delivery.EventType, delivery.WebhookId, result.FailureCode, result.StatusCode, result.DurationMs);
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Debug,
        Message = "Delivery {DeliveryId} attempt {Attempt} (event {EventId}, {EventType}) to webhook {WebhookId}: {StatusCode} in {DurationMs} ms")]
    private static partial void Delivered(ILogger logger, string deliveryId, int attempt, string eventId, string eventType, string webhookId, int? statusCode, int durationMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information,
        Message = "Delivery {DeliveryId} attempt {Attempt} (event {EventId}, {EventType}) to webhook {WebhookId} failed: {FailureCode}, status {StatusCode}, {DurationMs} ms")]
    private static partial void Failed(ILogger logger, string deliveryId, int attempt, string eventId, string eventType, string webhookId, string? failureCode, int? statusCode, int durationMs);
}
