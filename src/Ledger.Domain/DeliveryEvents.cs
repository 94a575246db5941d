namespace Ledger.Domain;

// The per-key lanes, delivery-{webhookId}[~{orderingKey}]: every delivery on that key, every attempt, every redelivery.

/// <summary>
/// A delivery joins its lane. It carries where its event is in the ledger (so the body is rendered from the one
/// stored event, the same bytes every time) and the retry policy in force when it was enqueued.
/// </summary>
[EventType("delivery.enqueued.v1")]
public sealed record DeliveryEnqueued(
    string DeliveryId,
    string EventId,
    string WebhookId,
    string TenantId,
    string EventType,
    long EventPosition,
    string Ordering,
    IReadOnlyList<int> RetrySchedule,
    int? MaxAttemptAgeSeconds,
    DateTimeOffset EnqueuedAt) : ILedgerEvent;

[EventType("delivery.attempt-succeeded.v1")]
public sealed record AttemptSucceeded(
    string DeliveryId,
    int AttemptNumber,
    DateTimeOffset StartedAt,
    int DurationMs,
    int StatusCode,
    string? ResponseBody) : ILedgerEvent;

[EventType("delivery.attempt-failed.v1")]
public sealed record AttemptFailed(
    string DeliveryId,
    int AttemptNumber,
    DateTimeOffset StartedAt,
    int DurationMs,
    int? StatusCode,
    string FailureCode,
    string ErrorMessage,
    string? ResponseBody,
    DateTimeOffset? NextAttemptAt) : ILedgerEvent;

[EventType("delivery.completed.v1")]
public sealed record DeliveryCompleted(string DeliveryId, DateTimeOffset DeliveredAt) : ILedgerEvent;

/// <summary>Terminal failure: the schedule ran out (<c>RETRIES_EXHAUSTED</c>) or the cycle outlived its max age (<c>EXPIRED</c>).</summary>
[EventType("delivery.failed.v1")]
public sealed record DeliveryFailed(string DeliveryId, string Reason, DateTimeOffset FailedAt) : ILedgerEvent;

/// <summary>A new delivery cycle on the same delivery id; it rejoins the back of its lane and attempts number on.</summary>
[EventType("delivery.redelivery-requested.v1")]
public sealed record RedeliveryRequested(string DeliveryId, int Cycle, DateTimeOffset RequestedAt) : ILedgerEvent;
