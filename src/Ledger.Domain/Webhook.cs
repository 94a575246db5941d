using System.Text.RegularExpressions;

namespace Ledger.Domain;

/// <summary>A webhook's configuration as its events made it.</summary>
public sealed record WebhookState(
    string WebhookId,
    string TenantId,
    string Url,
    IReadOnlyList<string> Events,
    string? Description,
    string Profile,
    string Secret,
    string? PreviousSecret,
    DateTimeOffset? PreviousSecretExpiresAt,
    bool Active,
    string Ordering,
    IReadOnlyList<int>? RetrySchedule,
    int? MaxAttemptAgeSeconds,
    int? RateLimitPerMinute,
    WebhookFilters? Filters,
    IReadOnlyDictionary<string, string>? Metadata,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    bool Deleted,
    string? DisabledReason = null,
    int? DisableAfterConsecutiveFailures = null)
{
    public IReadOnlyList<int> EffectiveRetrySchedule => RetrySchedule ?? Profiles.DefaultRetrySchedule(Profile);

    public int? EffectiveMaxAttemptAgeSeconds => MaxAttemptAgeSeconds ?? Profiles.DefaultMaxAttemptAgeSeconds(Profile);

    /// <summary>The secrets that sign a delivery at <paramref name="at"/>: the current one, and the previous during its overlap.</summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset at) =>
        PreviousSecret is not null && PreviousSecretExpiresAt > at ? [Secret, PreviousSecret] : [Secret];

    /// <summary>
    /// Whether an event of this type and data goes to this webhook. A disabled webhook still gets its deliveries; they
    /// wait until it is enabled again (docs/delivery-semantics.md).
    /// </summary>
    public bool Wants(string eventType, System.Text.Json.JsonElement data) =>
        !Deleted && EventPatterns.MatchesAny(Events, eventType) && FilterMatcher.Matches(Filters, data);
}

/// <summary>What a create or update asks for; null means "not given" (create: the default, update: unchanged).</summary>
public sealed record WebhookSettings(
    string? Url = null,
    IReadOnlyList<string>? Events = null,
    string? Description = null,
    string? Profile = null,
    string? Secret = null,
    bool? Active = null,
    string? Ordering = null,
    IReadOnlyList<int>? RetrySchedule = null,
    int? MaxAttemptAgeSeconds = null,
    int? RateLimitPerMinute = null,
    WebhookFilters? Filters = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    int? DisableAfterConsecutiveFailures = null);

/// <summary>The decider of a webhook's configuration.</summary>
public static partial class WebhookDecider
{
    public const int MaxRetries = 50;
    public const int MaxRetryDelaySeconds = 7 * 86_400;

    public static WebhookRegistered Register(WebhookId id, WebhookSettings input, string generatedSecret, DateTimeOffset now)
    {
        if (input.Url is null)
        {
            throw DomainException.Validation("url", "url is required");
        }
        var profile = input.Profile ?? Profiles.Standard;
        if (!Profiles.IsKnown(profile))
        {
            throw DomainException.Validation("profile", $"profile must be one of {string.Join(", ", Profiles.All)}");
        }
        Validate(input, profile);
        var secret = input.Secret ?? generatedSecret;
        return new WebhookRegistered(
            id.Value, input.Url, input.Events ?? ["*"], input.Description, profile, secret, input.Active ?? true,
            input.Ordering ?? Ordering.Fifo, input.RetrySchedule, input.MaxAttemptAgeSeconds, input.RateLimitPerMinute,
            NullIfEmpty(input.Filters), input.Metadata, now, input.DisableAfterConsecutiveFailures);
    }

    public static WebhookUpdated Update(WebhookState state, WebhookSettings patch, DateTimeOffset now)
    {
        EnsureExists(state);
        if (patch.Profile is not null && patch.Profile != state.Profile)
        {
            throw DomainException.Validation("profile", "profile cannot change; create a new webhook for another profile");
        }
        if (patch.Secret is not null)
        {
            throw DomainException.Validation("secret", "secret cannot be set by update; use rotate-secret");
        }
        Validate(patch, state.Profile, state.Filters);
        return new WebhookUpdated(
            state.WebhookId, patch.Url ?? state.Url, patch.Events ?? state.Events, patch.Description ?? state.Description,
            patch.Active ?? state.Active, patch.Ordering ?? state.Ordering, patch.RetrySchedule ?? state.RetrySchedule,
            patch.MaxAttemptAgeSeconds ?? state.MaxAttemptAgeSeconds, patch.RateLimitPerMinute ?? state.RateLimitPerMinute,
            patch.Filters is null ? state.Filters : NullIfEmpty(patch.Filters), patch.Metadata ?? state.Metadata, now,
            patch.DisableAfterConsecutiveFailures ?? state.DisableAfterConsecutiveFailures);
    }

    public static WebhookDeleted Delete(WebhookState state, DateTimeOffset now)
    {
        EnsureExists(state);
        return new WebhookDeleted(state.WebhookId, now);
    }

    public static SecretRotated RotateSecret(WebhookState state, string newSecret, int overlapHours, DateTimeOffset now)
    {
        EnsureExists(state);
        if (overlapHours is < 0 or > 24 * 30)
        {
            throw DomainException.Validation("overlapHours", "overlapHours must be between 0 and 720");
        }
        ValidateSecret(newSecret, state.Profile);
        return new SecretRotated(state.WebhookId, newSecret, now, overlapHours == 0 ? null : now.AddHours(overlapHours));
    }

    public static WebhookState? Evolve(WebhookState? state, string tenantId, ILedgerEvent e) => e switch
    {
        WebhookRegistered x => new WebhookState(
            x.WebhookId, tenantId, x.Url, x.Events, x.Description, x.Profile, x.Secret, null, null, x.Active, x.Ordering,
            x.RetrySchedule, x.MaxAttemptAgeSeconds, x.RateLimitPerMinute, x.Filters, x.Metadata, x.CreatedAt, x.CreatedAt, Deleted: false,
            DisabledReason: x.Active ? null : PolicyReasons.Manual, DisableAfterConsecutiveFailures: x.DisableAfterConsecutiveFailures),
        WebhookUpdated x when state is not null => state with
        {
            Url = x.Url,
            Events = x.Events,
            Description = x.Description,
            Active = x.Active,
            Ordering = x.Ordering,
            RetrySchedule = x.RetrySchedule,
            MaxAttemptAgeSeconds = x.MaxAttemptAgeSeconds,
            RateLimitPerMinute = x.RateLimitPerMinute,
            Filters = x.Filters,
            Metadata = x.Metadata,
            UpdatedAt = x.UpdatedAt,
            DisabledReason = AutoDisable.ReasonAfterUpdate(state.Active, state.DisabledReason, x.Active),
            DisableAfterConsecutiveFailures = x.DisableAfterConsecutiveFailures,
        },
        WebhookDisabled x when state is not null && !state.Deleted => state with { Active = false, DisabledReason = x.Reason, UpdatedAt = x.DisabledAt },
        WebhookDeleted x when state is not null => state with { Deleted = true, Active = false, UpdatedAt = x.DeletedAt },
        SecretRotated x when state is not null => state with
        {
            PreviousSecret = x.PreviousExpiresAt is null ? null : state.Secret,
            PreviousSecretExpiresAt = x.PreviousExpiresAt,
            Secret = x.Secret,
            UpdatedAt = x.RotatedAt,
        },
        _ => state,
    };

    /// <summary>The webhook id an event of the tenant stream is about, or null when it is not a configuration event.</summary>
    public static string? WebhookIdOf(ILedgerEvent e) => e switch
    {
        WebhookRegistered x => x.WebhookId,
        WebhookUpdated x => x.WebhookId,
        WebhookDeleted x => x.WebhookId,
        SecretRotated x => x.WebhookId,
        WebhookDisabled x => x.WebhookId,
        _ => null,
    };

    public static void ValidateSecret(string secret, string profile)
    {
        if (Profiles.UsesWhsecSecret(profile))
        {
            if (!WhsecSecret.TryDecode(secret, out var key) || key.Length < 24 || key.Length > 64)
            {
                throw DomainException.Validation("secret", "secret must be whsec_ followed by the standard base64 of 24 to 64 bytes");
            }
        }
        else if (secret.Length is < 16 or > 128)
        {
            throw DomainException.Validation("secret", "secret must be 16 to 128 characters");
        }
    }

    private static void Validate(WebhookSettings input, string profile, WebhookFilters? currentFilters = null)
    {
        if (input.Url is not null)
        {
            ValidateUrl(input.Url);
        }
        if (input.Events is not null)
        {
            if (input.Events.Count is 0 or > 100)
            {
                throw DomainException.Validation("events", "events must list 1 to 100 event types or patterns");
            }
            var bad = input.Events.FirstOrDefault(p => !EventPatterns.IsValidPattern(p));
            if (bad is not null || input.Events.Any(p => p is null))
            {
                throw DomainException.Validation("events", $"'{bad}' is not an event type or pattern such as trade.completed, trade.* or *");
            }
        }
        if (input.Description is { Length: > 1000 })
        {
            throw DomainException.Validation("description", "description must be at most 1000 characters");
        }
        if (input.Secret is not null)
        {
            ValidateSecret(input.Secret, profile);
        }
        if (input.Ordering is not null && !Ordering.IsKnown(input.Ordering))
        {
            throw DomainException.Validation("ordering", "ordering must be fifo or unordered");
        }
        if (input.RetrySchedule is not null
            && (input.RetrySchedule.Count > MaxRetries || input.RetrySchedule.Any(d => d is < 0 or > MaxRetryDelaySeconds)))
        {
            throw DomainException.Validation("retrySchedule", $"retrySchedule must list at most {MaxRetries} delays of 0 to {MaxRetryDelaySeconds} seconds");
        }
        if (input.MaxAttemptAgeSeconds is { } maxAge && maxAge is < 1 or > 30 * 86_400)
        {
            throw DomainException.Validation("maxAttemptAgeSeconds", "maxAttemptAgeSeconds must be between 1 and 2592000");
        }
        if (input.RateLimitPerMinute is { } rate && rate is < 1 or > 1_000_000)
        {
            throw DomainException.Validation("rateLimitPerMinute", "rateLimitPerMinute must be between 1 and 1000000");
        }
        if (input.DisableAfterConsecutiveFailures is { } disableAfter && disableAfter is < 0 or > 10_000)
        {
            throw DomainException.Validation("disableAfterConsecutiveFailures", "disableAfterConsecutiveFailures must be between 0 (never) and 10000");
        }
        if (input.Metadata is not null)
        {
            Metadata.Validate(input.Metadata);
        }
        var filters = input.Filters ?? currentFilters;
        if (profile == Profiles.Kepler && (filters is null || filters.IsEmpty))
        {
            throw DomainException.Validation("filters", "a kepler webhook must set at least one of filters.address, filters.identifier, filters.topic");
        }
    }

    /// <summary>
    /// An absolute http(s) URL without credentials. Whitespace and control characters are refused rather than trimmed
    /// or escaped: the URL is stored and shown as given, and goes into every request line to the receiver.
    /// </summary>
    private static void ValidateUrl(string url)
    {
        if (url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw DomainException.Validation("url", "url must not contain spaces, line breaks or other control characters");
        }
        if (url.Length > 2048
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host)
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw DomainException.Validation("url", "url must be an absolute http(s) URL");
        }
        if (uri.Port is < 1 or > 65535)
        {
            throw DomainException.Validation("url", "url's port must be between 1 and 65535");
        }
    }

    private static void EnsureExists(WebhookState state)
    {
        if (state.Deleted)
        {
            throw DomainException.NotFound("webhook");
        }
    }

    private static WebhookFilters? NullIfEmpty(WebhookFilters? filters) => filters is null || filters.IsEmpty ? null : filters;
}

/// <summary>Secrets of the form <c>whsec_&lt;standard base64&gt;</c>, as Standard Webhooks and Svix use them.</summary>
public static class WhsecSecret
{
    public const string Prefix = "whsec_";

    public static bool TryDecode(string secret, out byte[] key)
    {
        key = [];
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var encoded = secret[Prefix.Length..];
        if (encoded.Length == 0 || encoded.Length % 4 != 0)
        {
            return false;
        }
        var buffer = new byte[encoded.Length * 3 / 4];
        if (!Convert.TryFromBase64String(encoded, buffer, out var written))
        {
            return false;
        }
        key = buffer[..written];
        return true;
    }

    public static string Create(ReadOnlySpan<byte> key) => Prefix + Convert.ToBase64String(key);
}

/// <summary>Event and webhook metadata (seed 000): at most 10 keys of [a-zA-Z0-9_\-.]{1,64}, string values of at most 500 characters.</summary>
public static partial class Metadata
{
    public const int MaxKeys = 10;
    public const int MaxValueLength = 500;

    public static void Validate(IReadOnlyDictionary<string, string> metadata)
    {
        if (metadata.Count > MaxKeys)
        {
            throw DomainException.Validation("metadata", $"metadata has {metadata.Count} keys; at most {MaxKeys} are allowed");
        }
        foreach (var (key, value) in metadata)
        {
            if (!KeyPattern().IsMatch(key))
            {
                throw DomainException.Validation("metadata", $"metadata key '{key}' must be 1 to 64 characters of a-z, A-Z, 0-9, _, - and .");
            }
            if (value is null || value.Length > MaxValueLength)
            {
                throw DomainException.Validation("metadata", $"metadata value of '{key}' must be a string of at most {MaxValueLength} characters");
            }
        }
    }

    [GeneratedRegex(@"^[a-zA-Z0-9_\-.]{1,64}$")]
    private static partial Regex KeyPattern();
}
