using Ledger.Application.Portal;

namespace Ledger.Server.Api.Contract;

/// <summary>The body of <c>POST /v1/portal-tokens</c> (docs/portal-tokens.md): capabilities required, webhook ids null for the whole tenant.</summary>
public sealed record CreatePortalTokenRequest
{
    public List<string>? WebhookIds { get; init; }

    public List<string>? Capabilities { get; init; }

    /// <summary>60 to 2592000 (30 days); 3600 when absent.</summary>
    public int? ExpiresInSeconds { get; init; }

    public PortalTokenRequest ToCommand() =>
        new(RequestFields.NoNullItems(WebhookIds, "webhookIds", "an array of webhook ids"),
            RequestFields.NoNullItems(Capabilities, "capabilities", "an array of read, replay and manage"), ExpiresInSeconds);
}

/// <summary>A new portal token: the token itself is in this answer and nowhere else.</summary>
public sealed record PortalTokenResponse(
    string Id, string Token, string Url, DateTimeOffset ExpiresAt, IReadOnlyList<string>? WebhookIds, IReadOnlyList<string> Capabilities)
{
    public static PortalTokenResponse From(PortalTokenIssued issued) =>
        new(issued.Id, issued.Token, issued.Url, issued.ExpiresAt, issued.WebhookIds, issued.Capabilities);
}
