using System.Text.Json.Serialization;
using Ledger.Domain;
using Ledger.Projections;

namespace Ledger.Server.Api.Contract;

/// <summary>A webhook as REST shows it (docs/rest.md). <c>secret</c> appears only on create and rotate.</summary>
public sealed record WebhookResponse(
    string Id,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    string Profile,
    bool Active,
    bool IsActive,
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
    DateTimeOffset? CircuitOpenedAt,
    DateTimeOffset? NextProbeAt,
    int? DisableAfterConsecutiveFailures)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }

    public static WebhookResponse From(WebhookView w, string? secret = null) => new(
        w.Id, w.Url, w.Events, w.Description, w.Profile, w.Active, w.Active, w.DisabledReason, w.Ordering, w.CircuitState,
        w.RetrySchedule, w.MaxAttemptAgeSeconds, w.RateLimitPerMinute, w.Filters, w.Metadata, w.CreatedAt, w.UpdatedAt,
        w.CircuitOpenedAt, w.NextProbeAt, w.DisableAfterConsecutiveFailures)
    {
        Secret = secret,
    };
}
