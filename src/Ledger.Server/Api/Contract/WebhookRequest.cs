using Ledger.Domain;

namespace Ledger.Server.Api.Contract;

/// <summary>
/// The body of <c>POST /v1/webhooks</c> and <c>PATCH /v1/webhooks/{id}</c>: every field optional here, the
/// decider says which are required. <c>active</c> and <c>isActive</c> are the same setting (both spellings are in use).
/// </summary>
public sealed record WebhookRequest
{
    public string? Url { get; init; }

    public List<string>? Events { get; init; }

    public string? Description { get; init; }

    public string? Profile { get; init; }

    public string? Secret { get; init; }

    public bool? Active { get; init; }

    public bool? IsActive { get; init; }

    public string? Ordering { get; init; }

    public List<int>? RetrySchedule { get; init; }

    public int? MaxAttemptAgeSeconds { get; init; }

    public int? RateLimitPerMinute { get; init; }

    public int? DisableAfterConsecutiveFailures { get; init; }

    public WebhookFiltersRequest? Filters { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    public WebhookSettings ToSettings() => new(
        Url: Url,
        Events: RequestFields.NoNullItems(Events, "events", "an array of strings"),
        Description: Description,
        Profile: Profile,
        Secret: Secret,
        Active: Active ?? IsActive,
        Ordering: Ordering?.ToLowerInvariant(),
        RetrySchedule: RetrySchedule,
        MaxAttemptAgeSeconds: MaxAttemptAgeSeconds,
        RateLimitPerMinute: RateLimitPerMinute,
        Filters: Filters?.ToFilters(),
        Metadata: RequestFields.NoNullValues(Metadata, "metadata"),
        DisableAfterConsecutiveFailures: DisableAfterConsecutiveFailures);
}

/// <summary>A webhook's filters (seed 003): each one optional, empty is none, at most 256 characters.</summary>
public sealed record WebhookFiltersRequest
{
    public const int MaxLength = 256;

    public string? Address { get; init; }

    public string? Identifier { get; init; }

    public string? Topic { get; init; }

    public WebhookFilters ToFilters() => new(Filter(Address, "address"), Filter(Identifier, "identifier"), Filter(Topic, "topic"));

    private static string? Filter(string? text, string name) => text switch
    {
        null or "" => null,
        { Length: > MaxLength } => throw DomainException.Validation($"filters.{name}", $"filters.{name} must be at most {MaxLength} characters"),
        _ => text,
    };
}
