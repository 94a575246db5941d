using System.Text.Json;

namespace Ledger.Domain;

// The tenant-{tenantId} stream: published events and webhook configuration.

/// <summary>A delivery planned at publish time, so the publisher's answer names it before fan-out runs.</summary>
public sealed record PlannedDelivery(string DeliveryId, string WebhookId);

[EventType("event.published.v1")]
public sealed record EventPublished(
    string EventId,
    string Type,
    JsonElement Data,
    string? ApiVersion,
    IReadOnlyDictionary<string, string>? Metadata,
    string? OrderingKey,
    DateTimeOffset CreatedAt,
    IReadOnlyList<PlannedDelivery> Deliveries) : ILedgerEvent;

/// <summary>Which events of a webhook's subscription pass, beyond the type patterns (seed 003's filters).</summary>
public sealed record WebhookFilters(string? Address, string? Identifier, string? Topic)
{
    public bool IsEmpty => Address is null && Identifier is null && Topic is null;
}

[EventType("webhook.registered.v1")]
public sealed record WebhookRegistered(
    string WebhookId,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    string Profile,
    string Secret,
    bool Active,
    string Ordering,
    IReadOnlyList<int>? RetrySchedule,
    int? MaxAttemptAgeSeconds,
    int? RateLimitPerMinute,
    WebhookFilters? Filters,
    IReadOnlyDictionary<string, string>? Metadata,
    DateTimeOffset CreatedAt) : ILedgerEvent;

/// <summary>The webhook's configuration after the change, whole (fields not changed keep their values).</summary>
[EventType("webhook.updated.v1")]
public sealed record WebhookUpdated(
    string WebhookId,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    bool Active,
    string Ordering,
    IReadOnlyList<int>? RetrySchedule,
    int? MaxAttemptAgeSeconds,
    int? RateLimitPerMinute,
    WebhookFilters? Filters,
    IReadOnlyDictionary<string, string>? Metadata,
    DateTimeOffset UpdatedAt) : ILedgerEvent;

[EventType("webhook.deleted.v1")]
public sealed record WebhookDeleted(string WebhookId, DateTimeOffset DeletedAt) : ILedgerEvent;

/// <summary>A new signing secret; the previous one keeps signing too until <paramref name="PreviousExpiresAt"/>.</summary>
[EventType("webhook.secret-rotated.v1")]
public sealed record SecretRotated(string WebhookId, string Secret, DateTimeOffset RotatedAt, DateTimeOffset? PreviousExpiresAt) : ILedgerEvent;

// The apikeys stream: API keys, by hash only.

/// <summary>An API key for a tenant. Only its SHA-256 is kept; the key itself is shown once, when it is made.</summary>
[EventType("apikey.created.v1")]
public sealed record ApiKeyCreated(string TenantId, string KeyHash, string KeyPrefix, DateTimeOffset CreatedAt) : ILedgerEvent;
