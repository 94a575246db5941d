using System.Data.Common;
using System.Text.RegularExpressions;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Server.Api.Contract;
using Microsoft.AspNetCore.Diagnostics;

namespace Ledger.Server.Api;

/// <summary>
/// The one place a failure becomes the contract's error body: what the domain and storage throw, a query parameter
/// that does not parse, a body that is too large or stops arriving, and anything unexpected (500 <c>INTERNAL</c>,
/// with nothing internal in it). A client that went away gets nothing and is logged once at debug.
/// </summary>
public sealed partial class LedgerExceptionHandler(ILogger<LedgerExceptionHandler> logger, StorageHealthLog storageLog) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.RequestAborted.IsCancellationRequested && exception is OperationCanceledException or IOException or BadHttpRequestException)
        {
            LogAborted(logger, context.Request.Method, context.Request.Path, exception.GetType().Name);
            return true;
        }
        var (status, error) = Describe(context, exception);
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "1";
        }
        try
        {
            await ApiErrors.WriteAsync(context, status, error);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away while the answer was being written (it can notice only now that the body it
            // stopped sending is missing): nothing to answer, and not a failure of the server.
            LogAborted(logger, context.Request.Method, context.Request.Path, exception.GetType().Name);
        }
        return true;
    }

    private (int Status, ErrorResponse Error) Describe(HttpContext context, Exception exception)
    {
        switch (exception)
        {
            case DomainException ex:
                return (ApiErrors.StatusOf(ex.Code), ErrorResponse.Of(ex.Code, ex.Message, ex.Field));
            case InvalidAppendException ex:
                return (StatusCodes.Status400BadRequest, ErrorResponse.Of(ErrorCodes.ValidationFailed, ex.Message));
            case EventStoreUnavailableException or DbException:
                // The ledger or the read models (the same database on PostgreSQL) cannot be reached right now.
                storageLog.Unreachable(exception);
                return (StatusCodes.Status503ServiceUnavailable, ErrorResponse.Of(ApiErrors.Unavailable, "storage is unavailable; retry shortly"));
            case TimeoutException:
                // The change is in the ledger but the read models did not show it in time (read-your-writes).
                LogReadModelsBehind(logger, context.Request.Method, context.Request.Path);
                return (StatusCodes.Status503ServiceUnavailable, ErrorResponse.Of(ApiErrors.Unavailable,
                    "the change was recorded but the read models have not caught up yet; read it back shortly"));
            case BadHttpRequestException ex when ex.StatusCode == StatusCodes.Status413PayloadTooLarge:
                return (StatusCodes.Status413PayloadTooLarge, ErrorResponse.Of(ErrorCodes.PayloadTooLarge, "the request body is too large"));
            case BadHttpRequestException ex when BindFailure().Match(ex.Message) is { Success: true } bind:
                return (StatusCodes.Status400BadRequest, ErrorResponse.Of(ErrorCodes.ValidationFailed,
                    $"{bind.Groups["name"].Value} must be {Expected(bind.Groups["type"].Value)}", bind.Groups["name"].Value));
            case BadHttpRequestException ex:
                LogBadRequest(logger, context.Request.Method, context.Request.Path, ex.Message);
                return (ex.StatusCode, ErrorResponse.Of(ApiErrors.CodeOf(ex.StatusCode), "the request could not be read: " + ex.Message));
            default:
                LogUnexpected(logger, exception, context.Request.Method, context.Request.Path);
                return (StatusCodes.Status500InternalServerError, ErrorResponse.Of(ApiErrors.Internal, "the server failed to answer this request; it has been logged"));
        }
    }

    private static string Expected(string type) => type switch
    {
        "int" or "int?" or "Nullable<int>" => "a whole number of at most 2147483647",
        "long" or "long?" or "Nullable<long>" => "a whole number of at most 9223372036854775807",
        _ => "a value of type " + type,
    };

    /// <summary>What minimal APIs say when a route or query value does not parse: <c>Failed to bind parameter "int? limit" from "abc".</c></summary>
    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^ "]+) (?<name>[A-Za-z0-9_]+)" from""")]
    private static partial Regex BindFailure();

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path}: the client went away before the answer ({Exception})")]
    private static partial void LogAborted(ILogger logger, string method, string path, string exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path}: the request could not be read: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string method, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: the read models did not catch up with a change in time")]
    private static partial void LogReadModelsBehind(ILogger logger, string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);
}
