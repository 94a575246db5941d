using System.Data.Common;
using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Server.Api;

/// <summary>The one place domain and storage errors become the contract's error body and status (CONTRACT §2).</summary>
public static class ApiErrors
{
    public static int StatusOf(string code) => code switch
    {
        ErrorCodes.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.Conflict => StatusCodes.Status409Conflict,
        ErrorCodes.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCodes.LimitExceeded => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };

    public static async Task WriteAsync(HttpContext context, int status, string code, string message, string? field)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Encoder = ApiJson.Options.Encoder });
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("code", code);
        writer.WriteString("message", message);
        if (field is not null)
        {
            writer.WriteString("field", field);
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    /// <summary>Maps what the layers below throw; anything else is a 500 with no internals in it.</summary>
    public static IApplicationBuilder UseLedgerErrors(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (DomainException ex) when (!context.Response.HasStarted)
            {
                await WriteAsync(context, StatusOf(ex.Code), ex.Code, ex.Message, ex.Field);
            }
            catch (InvalidAppendException ex) when (!context.Response.HasStarted)
            {
                await WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, ex.Message, null);
            }
            catch (Exception ex) when (!context.Response.HasStarted && ex is EventStoreUnavailableException or DbException)
            {
                // The ledger or the read models (the same database on PostgreSQL) cannot be reached right now.
                context.RequestServices.GetRequiredService<ILogger<EventStoreUnavailableException>>().LogError(ex, "Storage unavailable");
                context.Response.Headers.RetryAfter = "1";
                await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "UNAVAILABLE", "storage is unavailable; retry shortly", null);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted && ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge, "the request body is too large", null);
            }
        });
}
