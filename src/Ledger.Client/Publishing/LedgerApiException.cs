using System.Net;

namespace Ledger.Client.Publishing;

/// <summary>
/// The API refused a request: <see cref="Code"/> is the contract's error code (<c>VALIDATION_FAILED</c>,
/// <c>NOT_FOUND</c>, <c>CONFLICT</c>, …) and <see cref="Field"/> the offending field where there is one.
/// </summary>
public sealed class LedgerApiException : Exception
{
    public LedgerApiException(HttpStatusCode statusCode, string code, string message, string? field)
        : base($"{(int)statusCode} {code}: {message}")
    {
        StatusCode = statusCode;
        Code = code;
        Field = field;
        ApiMessage = message;
    }

    public LedgerApiException()
        : this(HttpStatusCode.InternalServerError, "INTERNAL", "unknown error", null)
    {
    }

    public LedgerApiException(string message)
        : this(HttpStatusCode.InternalServerError, "INTERNAL", message, null)
    {
    }

    public LedgerApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = HttpStatusCode.InternalServerError;
        Code = "INTERNAL";
        ApiMessage = message;
    }

    public HttpStatusCode StatusCode { get; }

    public string Code { get; }

    public string? Field { get; }

    /// <summary>The API's own message, without status and code.</summary>
    public string ApiMessage { get; }
}
