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
    string? ResponseBody,
    AttemptWire? Wire = null) : ILedgerEvent;

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
    DateTimeOffset? NextAttemptAt,
    AttemptWire? Wire = null) : ILedgerEvent;

/// <summary>
/// What the attempt's request needs to be rendered again exactly (docs/portal-tokens.md): the time its signatures were made
/// with, which secrets made them (<see cref="Wire.SecretFingerprint"/>, never a secret), and the receiver's answer
/// headers, bounded; and the W3C <c>traceparent</c> the request carried. Absent on attempts recorded before it existed.
/// </summary>
public sealed record AttemptWire(
    DateTimeOffset SignedAt, IReadOnlyList<string> SecretFingerprints, IReadOnlyList<HttpHeader>? ResponseHeaders, string? TraceParent = null);

public sealed record HttpHeader(string Name, string Value);

[EventType("delivery.completed.v1")]
public sealed record DeliveryCompleted(string DeliveryId, DateTimeOffset DeliveredAt) : ILedgerEvent;

/// <summary>Terminal failure: the schedule ran out (<c>RETRIES_EXHAUSTED</c>) or the cycle outlived its max age (<c>EXPIRED</c>).</summary>
[EventType("delivery.failed.v1")]
public sealed record DeliveryFailed(string DeliveryId, string Reason, DateTimeOffset FailedAt) : ILedgerEvent;

/// <summary>A new delivery cycle on the same delivery id; it rejoins the back of its lane and attempts number on. A bulk replay names itself.</summary>
[EventType("delivery.redelivery-requested.v1")]
public sealed record RedeliveryRequested(
    string DeliveryId, int Cycle, DateTimeOffset RequestedAt, string? ReplayJobId = null, string? Actor = null, string? Ip = null) : ILedgerEvent, IAudited;

/// <summary>
/// A due delivery waits because its webhook's breaker is open: not an attempt, no retry used up, status unchanged.
/// Recorded once per opening of the breaker (<paramref name="OpenedAt"/>); <paramref name="ResumeAt"/> is the next probe.
/// </summary>
[EventType("delivery.paused.v1")]
public sealed record DeliveryPaused(string DeliveryId, string Reason, DateTimeOffset OpenedAt, DateTimeOffset ResumeAt, DateTimeOffset PausedAt) : ILedgerEvent;
