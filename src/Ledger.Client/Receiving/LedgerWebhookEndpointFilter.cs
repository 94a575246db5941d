using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ledger.Client.Receiving;

/// <summary>
/// An ASP.NET Core endpoint filter that lets only verified Ledger deliveries reach the handler: anything else is
/// answered <c>401</c> (Ledger retries it, and records the refusal in the delivery's attempt log). The handler reads
/// the verified raw body with <see cref="LedgerWebhookHttpContextExtensions.LedgerWebhookBody"/>.
/// </summary>
public sealed class LedgerWebhookEndpointFilter(WebhookVerifier verifier, int maxBodyBytes = LedgerWebhookEndpointFilter.DefaultMaxBodyBytes) : IEndpointFilter
{
    /// <summary>Ledger refuses events over 256 KiB; the envelope adds little, so 1 MiB is ample.</summary>
    public const int DefaultMaxBodyBytes = 1024 * 1024;

    internal const string BodyItem = "Ledger.Client.VerifiedBody";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var body = await ReadBodyAsync(http.Request, maxBodyBytes, http.RequestAborted);
        if (body is null)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }
        var headers = http.Request.Headers;
        var result = verifier.Verify(name => headers.TryGetValue(name, out var value) ? value.ToString() : null, body);
        if (!result.IsValid)
        {
            return Results.Unauthorized();
        }
        http.Items[BodyItem] = body;
        http.Request.Body = new MemoryStream(body, writable: false);
        return await next(context);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}

public static class LedgerWebhookHttpContextExtensions
{
    /// <summary>The raw body of a request the <see cref="LedgerWebhookEndpointFilter"/> verified.</summary>
    public static ReadOnlyMemory<byte> LedgerWebhookBody(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(LedgerWebhookEndpointFilter.BodyItem, out var body) && body is byte[] bytes
            ? bytes
            : throw new InvalidOperationException("this request did not pass the Ledger webhook filter");
    }

    /// <summary>Accepts only verified Ledger deliveries on this endpoint (see <see cref="LedgerWebhookEndpointFilter"/>).</summary>
    public static TBuilder RequireLedgerSignature<TBuilder>(this TBuilder builder, WebhookVerifier verifier)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddEndpointFilter(new LedgerWebhookEndpointFilter(verifier));
    }
}
