using Ledger.Domain;
using Ledger.Server.Api.Contract;

namespace Ledger.Server.Api;

/// <summary>The contract's error codes beyond the domain's, and the status each code answers with (docs/rest.md).</summary>
public static class ApiErrors
{
    public const string Internal = "INTERNAL";
    public const string Unavailable = "UNAVAILABLE";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";

    public static int StatusOf(string code) => code switch
    {
        ErrorCodes.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.Conflict => StatusCodes.Status409Conflict,
        ErrorCodes.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCodes.LimitExceeded => StatusCodes.Status409Conflict,
        MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        Internal => StatusCodes.Status500InternalServerError,
        Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>The code of a status that has no body of its own yet (a route that does not exist, a wrong method).</summary>
    public static string CodeOf(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => ErrorCodes.Unauthenticated,
        StatusCodes.Status404NotFound => ErrorCodes.NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status409Conflict => ErrorCodes.Conflict,
        StatusCodes.Status413PayloadTooLarge => ErrorCodes.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => ErrorCodes.RateLimited,
        StatusCodes.Status503ServiceUnavailable => Unavailable,
        >= 500 => Internal,
        _ => ErrorCodes.ValidationFailed,
    };

    public static Task WriteAsync(HttpContext context, int status, string code, string message, string? field) =>
        WriteAsync(context, status, ErrorResponse.Of(code, message, field));

    public static async Task WriteAsync(HttpContext context, int status, ErrorResponse error)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await System.Text.Json.JsonSerializer.SerializeAsync(context.Response.Body, error, ApiJson.TypeInfo<ErrorResponse>(), context.RequestAborted);
    }
}
