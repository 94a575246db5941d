using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.Projections.Portal;

namespace Ledger.GraphQL.Transport;

/// <summary>
/// Who sent a GraphQL request: an API key's tenant (an operator), or a portal token's tenant and scope.
/// <see cref="Ended"/> is cancelled when a portal token is revoked or expires (never for an API key). <see cref="ActorId"/>
/// is what the ledger records as doing what the caller does: the key's id or the token's id.
/// </summary>
public sealed record GraphQLCaller(TenantId Tenant, CallerScope Scope, CancellationToken Ended, string ActorId)
{
    public CommandActor ActorFrom(System.Net.IPAddress? address) => new(ActorId, ClientAddress.Of(address));
}

/// <summary>Authenticates <c>/graphql</c>: the host's API keys first, then portal tokens (docs/portal-tokens.md).</summary>
public sealed class GraphQLCallers(ApiKeyAuthenticator apiKeys, PortalTokenRegistry portalTokens)
{
    public GraphQLCaller? Authenticate(string? key)
    {
        if (apiKeys(key) is { } identity)
        {
            return new GraphQLCaller(identity.Tenant, CallerScope.Operator, CancellationToken.None, identity.KeyId);
        }
        return portalTokens.Authenticate(key) is { } token ? new GraphQLCaller(token.Tenant, token.Scope, portalTokens.Ended(token.Id), token.Id) : null;
    }
}
