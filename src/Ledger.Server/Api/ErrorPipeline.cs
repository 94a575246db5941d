using Ledger.Server.Api.Contract;

namespace Ledger.Server.Api;

public static class ErrorPipeline
{
    /// <summary>The exception handler, parameter binding that throws (so a bad <c>?limit=</c> reaches it) and the storage outage log.</summary>
    public static IServiceCollection AddLedgerErrors(this IServiceCollection services)
    {
        services.AddSingleton<StorageHealthLog>();
        services.AddExceptionHandler<LedgerExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>
    /// Every failure answers the contract's error body: exceptions through <see cref="LedgerExceptionHandler"/>, and
    /// statuses set without a body (no such route, a wrong method) through status-code pages. <c>/graphql</c>
    /// answers its own errors (GraphQL over HTTP) and is left alone.
    /// </summary>
    public static IApplicationBuilder UseLedgerErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context => ApiErrors.WriteAsync(context, StatusCodes.Status500InternalServerError,
                ErrorResponse.Of(ApiErrors.Internal, "the server failed to answer this request; it has been logged")),
        });
        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            if (context.Request.Path.StartsWithSegments("/graphql"))
            {
                return;
            }
            var status = context.Response.StatusCode;
            var code = ApiErrors.CodeOf(status);
            var message = code switch
            {
                Ledger.Domain.ErrorCodes.NotFound => $"there is no route {context.Request.Path}",
                ApiErrors.MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}",
                _ => $"the request failed with status {status}",
            };
            await ApiErrors.WriteAsync(context, status, ErrorResponse.Of(code, message));
        });
        app.Use(async (context, next) =>
        {
            await next(context);
            if (context.Response.StatusCode is >= 200 and < 300 && context.Request.Path.StartsWithSegments("/v1"))
            {
                context.RequestServices.GetRequiredService<StorageHealthLog>().Reachable();
            }
        });
        return app;
    }
}
