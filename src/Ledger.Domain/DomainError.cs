namespace Ledger.Domain;

/// <summary>The contract's error codes (docs/rest.md); the API layers map them to HTTP statuses once.</summary>
public static class ErrorCodes
{
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string NotFound = "NOT_FOUND";
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string BlockedDestination = "BLOCKED_DESTINATION";
    public const string Conflict = "CONFLICT";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string RateLimited = "RATE_LIMITED";
    public const string LimitExceeded = "LIMIT_EXCEEDED";

    /// <summary>A portal token asked for what its capabilities do not allow (on something it may see).</summary>
    public const string Forbidden = "FORBIDDEN";
}

/// <summary>The domain saying no: a contract error code, a message a person can act on, and the field at fault.</summary>
public sealed class DomainException(string code, string message, string? field = null) : Exception(message)
{
    public string Code { get; } = code;
    public string? Field { get; } = field;

    public static DomainException Validation(string field, string message) => new(ErrorCodes.ValidationFailed, message, field);

    public static DomainException NotFound(string what) => new(ErrorCodes.NotFound, $"{what} not found");

    public static DomainException Forbidden(string message) => new(ErrorCodes.Forbidden, message);
}

/// <summary>Why an attempt failed (docs/rest.md).</summary>
public static class FailureCodes
{
    public const string Timeout = "TIMEOUT";
    public const string ConnectionFailed = "CONNECTION_FAILED";
    public const string DnsFailure = "DNS_FAILURE";
    public const string TlsFailure = "TLS_FAILURE";
    public const string HttpStatus = "HTTP_STATUS";
    public const string BlockedDestination = "BLOCKED_DESTINATION";
    public const string CircuitOpen = "CIRCUIT_OPEN";
    public const string Expired = "EXPIRED";

    /// <summary>
    /// The event cannot be written as an HTTP request (a header value holds a character headers cannot carry); nothing
    /// was sent. Only events stored before their fields were validated can fail so.
    /// </summary>
    public const string InvalidRequest = "INVALID_REQUEST";

    /// <summary>A terminal reason: the retry schedule ran out.</summary>
    public const string RetriesExhausted = "RETRIES_EXHAUSTED";
}
