using System.Text.Json;
using Ledger.Domain;

namespace Ledger.Projections;

/// <summary>A webhook as the API shows it (never its secret).</summary>
public sealed record WebhookView(
    string Id,
    string TenantId,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    string Profile,
    bool Active,
    string? DisabledReason,
    string Ordering,
    string CircuitState,
    IReadOnlyList<int> RetrySchedule,
    int? MaxAttemptAgeSeconds,
    int? RateLimitPerMinute,
    WebhookFilters? Filters,
    IReadOnlyDictionary<string, string>? Metadata,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int? DisableAfterConsecutiveFailures = null,
    DateTimeOffset? CircuitOpenedAt = null,
    DateTimeOffset? NextProbeAt = null);

/// <summary>A delivery's state (docs/rest.md).</summary>
public sealed record DeliveryView(
    string Id,
    string TenantId,
    string EventId,
    string WebhookId,
    string Type,
    string Status,
    int Attempts,
    DateTimeOffset? LastAttemptedAt,
    int? LastStatusCode,
    string? LastFailureCode,
    string? LastErrorMessage,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? TerminalFailureAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset CreatedAt,
    string? StreamId);

public sealed record AttemptView(
    string DeliveryId,
    int Number,
    DateTimeOffset StartedAt,
    int DurationMs,
    int? StatusCode,
    string? FailureCode,
    string? ErrorMessage,
    string? ResponseBody);

public sealed record EventView(
    string Id,
    string TenantId,
    string Type,
    string? ApiVersion,
    DateTimeOffset CreatedAt,
    JsonElement Data,
    IReadOnlyDictionary<string, string>? Metadata,
    string? OrderingKey,
    long Position);

/// <summary>
/// Which deliveries a list asks for. Status values are the contract's lowercase names; <c>StatusClass</c> is one of
/// <see cref="Search.StatusClasses"/>; a payload path and value (both or neither) match the event's data by a bounded scan;
/// <c>WebhookIds</c> limits the list to those webhooks (a caller's scope).
/// </summary>
public sealed record DeliveryFilter(
    string? WebhookId = null,
    string? EventType = null,
    IReadOnlyList<string>? Statuses = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    string? EventId = null,
    string? FailureCode = null,
    string? StatusClass = null,
    int? MinAttempts = null,
    int? MaxAttempts = null,
    string? OrderingKey = null,
    string? EventIdPrefix = null,
    string? DeliveryIdPrefix = null,
    string? PayloadPath = null,
    JsonElement? PayloadEquals = null,
    IReadOnlyCollection<string>? WebhookIds = null);

public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);

public sealed record DeliveryStats(int Total, int Delivered, int Failed, int Pending, double? SuccessRate, double? P50LatencyMs, double? P95LatencyMs);

public static class DeliveryStatuses
{
    public const string Pending = "pending";
    public const string Retrying = "retrying";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Pending, Retrying, Delivered, Failed];
}
