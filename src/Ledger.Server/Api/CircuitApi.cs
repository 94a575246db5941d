using Ledger.Application;
using Ledger.Server.Api.Contract;
using Ledger.Server.Auth;

namespace Ledger.Server.Api;

/// <summary>The circuit breaker's route of docs/delivery-semantics.md: <c>POST /v1/webhooks/{id}/circuit/reset</c> → 200 with the webhook.</summary>
public static class CircuitApi
{
    public static RouteGroupBuilder MapCircuitEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/webhooks/{id}/circuit/reset", async (HttpContext http, LedgerService ledger, string id) =>
        {
            var webhook = await ledger.ResetCircuitBreakerAsync(http.Tenant(), id, http.RequestAborted, http.Actor());
            return Answer.Json(WebhookResponse.From(webhook));
        })
            .Produces<WebhookResponse>()
            .WithName("resetCircuitBreaker").WithTags("Webhooks");
        return v1;
    }
}
