using System.Text.Json;

namespace Ledger.Domain;

// The tenant-{tenantId} stream: published events and webhook configuration.

/// <summary>A delivery planned at publish time, so the publisher's answer names it before fan-out runs.</summary>
public sealed record PlannedDelivery(string DeliveryId, string WebhookId);

/// <remarks><see cref="TraceParent"/>: the W3C trace context of the publish, so each attempt's span links to it (absent in older events).</remarks>
[EventType("event.published.v1")]
public sealed record EventPublished(
    string EventId,
    string Type,
    JsonElement Data,
    string? ApiVersion,
    IReadOnlyDictionary<string, string>? Metadata,
    string? OrderingKey,
    DateTimeOffset CreatedAt,
    IReadOnlyList<PlannedDelivery> Deliveries,
    string? TraceParent = null) : ILedgerEvent;

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
    DateTimeOffset CreatedAt,
    int? DisableAfterConsecutiveFailures = null,
    string? Actor = null,
    string? Ip = null) : ILedgerEvent, IAudited;

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
    DateTimeOffset UpdatedAt,
    int? DisableAfterConsecutiveFailures = null,
    string? Actor = null,
    string? Ip = null) : ILedgerEvent, IAudited;

[EventType("webhook.deleted.v1")]
public sealed record WebhookDeleted(string WebhookId, DateTimeOffset DeletedAt, string? Actor = null, string? Ip = null) : ILedgerEvent, IAudited;

/// <summary>A new signing secret; the previous one keeps signing too until <paramref name="PreviousExpiresAt"/>.</summary>
[EventType("webhook.secret-rotated.v1")]
public sealed record SecretRotated(
    string WebhookId, string Secret, DateTimeOffset RotatedAt, DateTimeOffset? PreviousExpiresAt, string? Actor = null, string? Ip = null) : ILedgerEvent, IAudited;

// The apikeys stream: API keys, by hash only.

/// <summary>
/// An API key for a tenant. Only its SHA-256 is kept; the key itself is shown once, when it is made. Keys made before
/// ids existed have no <paramref name="KeyId"/>: theirs is derived from their place in the stream (<see cref="ApiKeyIds.Legacy"/>).
/// </summary>
[EventType("apikey.created.v1")]
public sealed record ApiKeyCreated(
    string TenantId, string KeyHash, string KeyPrefix, DateTimeOffset CreatedAt, string? KeyId = null, string? Actor = null, string? Ip = null)
    : ILedgerEvent, IAudited;

/// <summary>The key stops working at once, on every instance.</summary>
[EventType("apikey.revoked.v1")]
public sealed record ApiKeyRevoked(string TenantId, string KeyId, DateTimeOffset RevokedAt, string? Actor = null, string? Ip = null) : ILedgerEvent, IAudited;

/// <summary>A key was used on a day it had not been used before (last use is kept in memory; this is at most one event a key a day).</summary>
[EventType("apikey.used.v1")]
public sealed record ApiKeyUsed(string KeyId, DateTimeOffset UsedAt) : ILedgerEvent;

// Audit-only facts of the tenant stream.

/// <summary>Someone took an export (<paramref name="Kind"/>: <c>ledger</c>, <c>deliveries</c>, <c>attempts</c>) with these parameters.</summary>
[EventType("export.requested.v1")]
public sealed record ExportRequested(string Kind, string Parameters, DateTimeOffset RequestedAt, string? Actor = null, string? Ip = null) : ILedgerEvent, IAudited;
