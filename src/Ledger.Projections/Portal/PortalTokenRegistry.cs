using System.Collections.Concurrent;
using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.EventStore;

namespace Ledger.Projections.Portal;

/// <summary>
/// The portal tokens still in force, by hash, in memory: loaded from the read model at start, then kept current by
/// the projection runner (tokens made or revoked on another instance arrive the same way). Each token has an
/// <see cref="Ended"/> signal, cancelled when it is revoked or expires, which closes what it holds open.
/// </summary>
public sealed class PortalTokenRegistry(TimeProvider time) : IProjectionObserver
{
    private readonly ConcurrentDictionary<string, PortalTokenState> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PortalTokenState> _byId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _ended = new(StringComparer.Ordinal);

    /// <summary>The token's state if it is in force now (known, not revoked, not expired), else null.</summary>
    public PortalTokenState? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 256 || !token.StartsWith(PortalTokens.TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        return _byHash.TryGetValue(PortalTokens.Hash(token), out var state) && state.IsValidAt(time.GetUtcNow()) ? state : null;
    }

    /// <summary>A token of the tenant by id (revoked and expired ones included), or null.</summary>
    public PortalTokenState? Find(TenantId tenant, string tokenId) =>
        _byId.TryGetValue(tokenId, out var state) && state.TenantId == tenant.Value ? state : null;

    /// <summary>Cancelled when the token is revoked or expires (at once if it is neither known nor in force).</summary>
    public CancellationToken Ended(string tokenId)
    {
        if (!_byId.TryGetValue(tokenId, out var state) || !state.IsValidAt(time.GetUtcNow()))
        {
            return new CancellationToken(canceled: true);
        }
        var source = _ended.GetOrAdd(tokenId, _ => new CancellationTokenSource(Max(state.ExpiresAt - time.GetUtcNow(), TimeSpan.FromMilliseconds(1)), time));
        if (_byId.TryGetValue(tokenId, out var now) && now.RevokedAt is not null)
        {
            source.Cancel();
        }
        return source.Token;
    }

    public async Task LoadAsync(ReadModelDatabase database, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var sql = new SqlSession(connection, null);
        var rows = await sql.QueryAsync(
            "SELECT id, tenant_id, token_hash, webhook_ids, capabilities, expires_at, created_at, revoked_at FROM portal_tokens WHERE revoked_at IS NULL AND expires_at > @now",
            r => new PortalTokenState(
                r.GetString(0), r.GetString(1), r.GetString(2), r.NullableString(3) is { } ids ? Json<List<string>>(ids) : null,
                Json<List<string>>(r.GetString(4)) ?? [], r.Time(5), r.Time(6), r.NullableTime(7)),
            cancellationToken, ("@now", Micros.From(time.GetUtcNow())));
        foreach (var state in rows)
        {
            Put(state);
        }
    }

    public void OnCommitted(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, long position)
    {
        foreach (var (stored, e) in batch)
        {
            switch (e)
            {
                case PortalTokenCreated x when stored.StreamId.StartsWith(Streams.TenantPrefix, StringComparison.Ordinal):
                    Put(new PortalTokenState(
                        x.TokenId, stored.StreamId[Streams.TenantPrefix.Length..], x.TokenHash, x.WebhookIds, x.Capabilities, x.ExpiresAt, x.CreatedAt, null));
                    break;
                case PortalTokenRevoked x when _byId.TryGetValue(x.TokenId, out var state):
                    Put(state with { RevokedAt = state.RevokedAt ?? x.RevokedAt });
                    if (_ended.TryRemove(x.TokenId, out var ended))
                    {
                        ended.Cancel();
                        ended.Dispose();
                    }
                    break;
            }
        }
    }

    private void Put(PortalTokenState state)
    {
        _byId[state.Id] = state;
        _byHash[state.TokenHash] = state;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static T? Json<T>(string json) => JsonSerializer.Deserialize<T>(json, EventSerializer.Options);
}
