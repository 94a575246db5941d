using Ledger.Domain;

namespace Ledger.Dispatcher.Http;

/// <summary>
/// What one attempt saw. <see cref="FailureCode"/> is one of <see cref="FailureCodes"/> or null for a 2xx answer;
/// <see cref="ErrorMessage"/> is safe to show a user (no stack trace, no address they did not configure);
/// <see cref="ResponseBody"/> holds at most the first 4 KiB of the answer; <see cref="RetryAfter"/> is the
/// receiver's <c>Retry-After</c> on a 429 or 503, else null.
/// </summary>
public sealed record SendResult(
    int? StatusCode,
    string? FailureCode,
    string? ErrorMessage,
    string? ResponseBody,
    int DurationMs,
    DateTimeOffset StartedAt,
    TimeSpan? RetryAfter)
{
    public bool Succeeded => FailureCode is null;

    /// <summary>The answer's headers, bounded (<see cref="Http.ResponseHeaders"/>); null when no answer came.</summary>
    public IReadOnlyList<HttpHeader>? ResponseHeaders { get; init; }

    public AttemptResult ToAttemptResult(string deliveryId, int attemptNumber) =>
        new(deliveryId, attemptNumber, StartedAt, DurationMs, StatusCode, FailureCode, ErrorMessage, ResponseBody, RetryAfter);
}
