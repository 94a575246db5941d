using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.Projections.Portal;

namespace Ledger.Application.Exports;

/// <summary>
/// What a download token grants: one export of one tenant, as the caller that asked for it may see it;
/// <paramref name="ActorId"/> is that caller (an API key or portal token id), whom the audit trail names for the download.
/// </summary>
public sealed record ExportGrant(TenantId Tenant, CallerScope Scope, ExportRequest Request, DateTimeOffset ExpiresAt, string? ActorId = null);

/// <summary>
/// Short-lived capability URLs for exports (docs/portal-tokens.md): an unguessable random token, kept only as its hash, that
/// stands for one export bound to the issuing caller's tenant and scope. A grant issued to a portal token stops
/// working when that token is revoked or expires. Grants live in this instance's memory: the URL is served by the
/// instance that issued it (behind a load balancer, route <c>/v1/exports/download</c> and <c>/graphql</c> stickily).
/// </summary>
public sealed class ExportDownloads(ExportOptions options, PortalTokenRegistry portalTokens, TimeProvider time)
{
    /// <summary>Where download URLs live; the token is the path's last segment.</summary>
    public const string Path = "/v1/exports/download";

    private readonly ConcurrentDictionary<string, ExportGrant> _grants = new(StringComparer.Ordinal);

    public TimeSpan Expiry => TimeSpan.FromSeconds(options.DownloadExpirySeconds);

    public ExportDownload Issue(TenantId tenant, CallerScope scope, ExportRequest request, string? actorId = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = time.GetUtcNow();
        foreach (var (key, grant) in _grants)
        {
            if (grant.ExpiresAt <= now)
            {
                _grants.TryRemove(key, out _);
            }
        }
        if (_grants.Count >= options.MaxOutstandingDownloads)
        {
            throw new DomainException(ErrorCodes.LimitExceeded, "too many export downloads are outstanding; try again in a few minutes");
        }
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var expiresAt = now + Expiry;
        _grants[Hash(token)] = new ExportGrant(tenant, scope, request, expiresAt, actorId);
        return new ExportDownload($"{Path}/{token}", expiresAt, request.Kind, request.Format);
    }

    /// <summary>The grant of a token that is known, unexpired, and whose portal token (if any) still works; null otherwise.</summary>
    public ExportGrant? Redeem(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100 || !_grants.TryGetValue(Hash(token), out var grant))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (grant.ExpiresAt <= now)
        {
            _grants.TryRemove(Hash(token), out _);
            return null;
        }
        if (grant.Scope.PortalTokenId is { } tokenId && portalTokens.Find(grant.Tenant, tokenId)?.IsValidAt(now) != true)
        {
            return null;
        }
        return grant;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
