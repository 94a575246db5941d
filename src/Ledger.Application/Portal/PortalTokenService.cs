using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.EventStore;
using Ledger.Projections;
using Ledger.Projections.Portal;

namespace Ledger.Application.Portal;

/// <summary>A portal token request as the API received it; validation happens in <see cref="PortalTokens.Create"/>.</summary>
public sealed record PortalTokenRequest(IReadOnlyList<string>? WebhookIds, IReadOnlyList<string>? Capabilities, int? ExpiresInSeconds);

/// <summary>A new portal token: the token itself is in this answer and nowhere else.</summary>
public sealed record PortalTokenIssued(
    string Id, string Token, string Url, DateTimeOffset ExpiresAt, IReadOnlyList<string>? WebhookIds, IReadOnlyList<string> Capabilities);

/// <summary>
/// Makes and revokes portal tokens (docs/portal-tokens.md) as events on the tenant's stream, kept by hash. Both return once
/// this instance's <see cref="PortalTokenRegistry"/> includes the change, so a new token works at once and a revoked
/// one no longer does.
/// </summary>
public sealed class PortalTokenService(IEventStore store, WebhookRegistry webhooks, PortalTokenRegistry tokens, ProjectionRunner projections, TimeProvider time)
{
    public const string InspectorPath = "/inspector";

    private static readonly TimeSpan ReadYourWritesWait = TimeSpan.FromSeconds(10);
    private readonly IdGenerator _ids = new(time);

    public async Task<PortalTokenIssued> CreateAsync(TenantId tenant, PortalTokenRequest request, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        await projections.CatchUpWithReadModelsAsync(cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);
        var token = PortalTokens.NewToken();
        var now = time.GetUtcNow();
        var created = PortalTokens.Create(
            _ids.New(PortalTokens.IdPrefix), PortalTokens.Hash(token), request.WebhookIds, request.Capabilities, request.ExpiresInSeconds,
            id => webhooks.Find(tenant, id) is not null, now);
        await AppendAsync(tenant, created with { Actor = actor?.Id, Ip = actor?.Ip }, now, cancellationToken);
        return new PortalTokenIssued(created.TokenId, token, $"{InspectorPath}?token={token}", created.ExpiresAt, created.WebhookIds, created.Capabilities);
    }

    /// <summary>Revokes a token of the tenant; revoking one already revoked changes nothing. Unknown ids are NOT_FOUND.</summary>
    public async Task RevokeAsync(TenantId tenant, string tokenId, CancellationToken cancellationToken, CommandActor? actor = null)
    {
        await projections.CatchUpWithReadModelsAsync(cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);
        var state = tokens.Find(tenant, tokenId) ?? throw DomainException.NotFound("portal token");
        if (state.RevokedAt is not null)
        {
            return;
        }
        var now = time.GetUtcNow();
        await AppendAsync(tenant, new PortalTokenRevoked(state.Id, now, actor?.Id, actor?.Ip), now, cancellationToken);
    }

    private async Task AppendAsync(TenantId tenant, ILedgerEvent e, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = await store.AppendAsync(Streams.Tenant(tenant), ExpectedVersion.Any, EventSerializer.ToNew(e, now), cancellationToken);
        await projections.WaitForPositionAsync(result.LastPosition, cancellationToken).WaitAsync(ReadYourWritesWait, cancellationToken);
    }
}
