using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Client.Publishing;

/// <summary><c>POST /v1/events</c>. <see cref="Id"/> is the idempotency key; the client makes one when it is null, so a retried publish creates one event.</summary>
public sealed record PublishEvent(string Type, object? Data)
{
    public string? Id { get; init; }

    public string? ApiVersion { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public string? OrderingKey { get; init; }
}

public sealed record DeliveryRef(string Id, string WebhookId);

public sealed record PublishedEvent(string Id, IReadOnlyList<DeliveryRef> Deliveries);

/// <summary><c>POST /v1/webhooks</c> (only <see cref="Url"/> is required) and, with every property optional, <c>PATCH</c>.</summary>
public sealed record WebhookSettings
{
    public string? Url { get; init; }

    public IReadOnlyList<string>? Events { get; init; }

    public string? Description { get; init; }

    public string? Profile { get; init; }

    public string? Secret { get; init; }

    public bool? Active { get; init; }

    public string? Ordering { get; init; }

    public IReadOnlyList<int>? RetrySchedule { get; init; }

    public int? MaxAttemptAgeSeconds { get; init; }

    public int? RateLimitPerMinute { get; init; }

    public IReadOnlyDictionary<string, string>? Filters { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

public sealed record Webhook(
    string Id,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    string Profile,
    bool Active,
    string Ordering,
    string CircuitState,
    DateTimeOffset CreatedAt)
{
    /// <summary>The signing secret: in full only in the answers to create and rotate, masked elsewhere.</summary>
    public string? Secret { get; init; }

    /// <summary>Every field the server sent, including those this type does not name.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; init; }
}

public sealed record Attempt(int Number, DateTimeOffset StartedAt, double? DurationMs, int? StatusCode, string? FailureCode, string? ErrorMessage, string? ResponseBody);

public sealed record Delivery(
    string Id,
    string EventId,
    string WebhookId,
    string Type,
    string Status,
    int Attempts,
    DateTimeOffset CreatedAt)
{
    public DateTimeOffset? LastAttemptedAt { get; init; }

    public int? LastStatusCode { get; init; }

    public string? LastFailureCode { get; init; }

    public string? LastErrorMessage { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }

    public DateTimeOffset? TerminalFailureAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>Only in <see cref="LedgerClient.GetDeliveryAsync"/>'s answer.</summary>
    public IReadOnlyList<Attempt>? AttemptLog { get; init; }
}

/// <summary>One page of a list; pass <see cref="NextCursor"/> back to get the next, null at the end.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary>Filters of <see cref="LedgerClient.ListDeliveriesAsync"/>.</summary>
public sealed record DeliveryQuery
{
    public string? Status { get; init; }

    public string? WebhookId { get; init; }

    public int? Limit { get; init; }

    public string? Cursor { get; init; }
}
