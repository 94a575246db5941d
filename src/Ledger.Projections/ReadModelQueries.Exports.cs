using Ledger.Domain;

namespace Ledger.Projections;

/// <summary>What the deliveries and attempts exports read besides the delivery pages: the events' ordering keys, without their data.</summary>
public sealed partial class ReadModelQueries
{
    /// <summary>The ordering key (null when none) of each of these events of the tenant.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> GetOrderingKeysAsync(TenantId tenant, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var chunk in eventIds.Distinct(StringComparer.Ordinal).Chunk(InListChunk))
        {
            var (list, parameters) = InList("@e", chunk);
            var rows = await QueryAsync(
                $"SELECT id, ordering_key FROM events WHERE tenant_id = @tenant AND id IN ({list})",
                r => (Id: r.GetString(0), OrderingKey: r.NullableString(1)), cancellationToken, [("@tenant", tenant.Value), .. parameters]);
            foreach (var (id, orderingKey) in rows)
            {
                found[id] = orderingKey;
            }
        }
        return found;
    }
}
