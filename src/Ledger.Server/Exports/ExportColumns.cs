using Ledger.Application.Exports;

namespace Ledger.Server.Exports;

/// <summary>One column of a deliveries or attempts export: its name (CSV header, JSONL key) and its value, text, a number or a time.</summary>
public sealed record ExportColumn<TRow>(string Name, Func<TRow, object?> Value);

/// <summary>The columns of the deliveries and attempts exports (docs/audit.md lists them). No secrets, no signatures, no bodies.</summary>
public static class ExportColumns
{
    public static IReadOnlyList<ExportColumn<DeliveryExportRow>> Deliveries { get; } =
    [
        new("deliveryId", r => r.Delivery.Id),
        new("webhookId", r => r.Delivery.WebhookId),
        new("eventId", r => r.Delivery.EventId),
        new("eventType", r => r.Delivery.Type),
        new("orderingKey", r => r.OrderingKey),
        new("status", r => r.Delivery.Status),
        new("attempts", r => r.Delivery.Attempts),
        new("createdAt", r => r.Delivery.CreatedAt),
        new("lastAttemptedAt", r => r.Delivery.LastAttemptedAt),
        new("lastStatusCode", r => r.Delivery.LastStatusCode),
        new("lastFailureCode", r => r.Delivery.LastFailureCode),
        new("lastErrorMessage", r => r.Delivery.LastErrorMessage),
        new("nextAttemptAt", r => r.Delivery.NextAttemptAt),
        new("deliveredAt", r => r.Delivery.DeliveredAt),
        new("terminalFailureAt", r => r.Delivery.TerminalFailureAt),
    ];

    public static IReadOnlyList<ExportColumn<AttemptExportRow>> Attempts { get; } =
    [
        new("deliveryId", r => r.Delivery.Id),
        new("attemptNumber", r => r.Attempt.Number),
        new("webhookId", r => r.Delivery.WebhookId),
        new("eventId", r => r.Delivery.EventId),
        new("eventType", r => r.Delivery.Type),
        new("orderingKey", r => r.OrderingKey),
        new("startedAt", r => r.Attempt.StartedAt),
        new("durationMs", r => r.Attempt.DurationMs),
        new("statusCode", r => r.Attempt.StatusCode),
        new("failureCode", r => r.Attempt.FailureCode),
        new("errorMessage", r => r.Attempt.ErrorMessage),
        new("deliveryStatus", r => r.Delivery.Status),
    ];
}
