using System.Globalization;
using System.Text;
using Ledger.Domain;
using Ledger.Projections.Search;

namespace Ledger.Projections;

public sealed partial class ReadModelQueries
{
    /// <summary>A payload search examines at most this many deliveries per page before it answers with what it found.</summary>
    public const int PayloadScanLimit = 5000;

    private const int PayloadScanBatch = 250;

    private const int MaxPrefixLength = 128;

    private static void AppendSearchConditions(DeliveryFilter filter, StringBuilder where, List<(string, object?)> parameters)
    {
        if (filter.FailureCode is not null)
        {
            where.Append(" AND last_failure_code = @failureCode");
            parameters.Add(("@failureCode", filter.FailureCode));
        }
        switch (filter.StatusClass)
        {
            case null:
                break;
            case StatusClasses.NoResponse:
                where.Append(" AND attempts > 0 AND last_status_code IS NULL");
                break;
            case var statusClass when StatusClasses.All.Contains(statusClass):
                where.Append(" AND last_status_code >= @statusLow AND last_status_code < @statusHigh");
                var low = (statusClass[0] - '0') * 100;
                parameters.Add(("@statusLow", low));
                parameters.Add(("@statusHigh", low + 100));
                break;
            default:
                throw DomainException.Validation("statusClass", "statusClass must be one of 2xx, 3xx, 4xx, 5xx, none");
        }
        if (filter.MinAttempts is { } min)
        {
            where.Append(" AND attempts >= @minAttempts");
            parameters.Add(("@minAttempts", min));
        }
        if (filter.MaxAttempts is { } max)
        {
            where.Append(" AND attempts <= @maxAttempts");
            parameters.Add(("@maxAttempts", max));
        }
        if (filter.OrderingKey is not null)
        {
            where.Append(" AND EXISTS (SELECT 1 FROM events e WHERE e.tenant_id = deliveries.tenant_id AND e.id = deliveries.event_id AND e.ordering_key = @orderingKey)");
            parameters.Add(("@orderingKey", filter.OrderingKey));
        }
        AppendPrefix("event_id", "eventIdPrefix", filter.EventIdPrefix, where, parameters);
        AppendPrefix("id", "deliveryIdPrefix", filter.DeliveryIdPrefix, where, parameters);
        if ((filter.PayloadPath is null) != (filter.PayloadEquals is null))
        {
            throw DomainException.Validation(filter.PayloadPath is null ? "payloadPath" : "payloadEquals", "payloadPath and payloadEquals go together");
        }
    }

    /// <summary>An index-friendly prefix match: <c>column &gt;= prefix AND column &lt; prefix-with-its-last-character-raised</c>.</summary>
    private static void AppendPrefix(string column, string field, string? prefix, StringBuilder where, List<(string, object?)> parameters)
    {
        if (prefix is null)
        {
            return;
        }
        if (prefix.Length is 0 or > MaxPrefixLength || prefix.Any(char.IsControl) || prefix[^1] is char.MaxValue || char.IsSurrogate(prefix[^1]))
        {
            throw DomainException.Validation(field, $"{field} must be 1 to {MaxPrefixLength} characters");
        }
        var upper = prefix[..^1] + (char)(prefix[^1] + 1);
        where.Append(CultureInfo.InvariantCulture, $" AND {column} >= @{field}Low AND {column} < @{field}High");
        parameters.Add(($"@{field}Low", prefix));
        parameters.Add(($"@{field}High", upper));
    }

    /// <summary>
    /// Deliveries whose event's data holds the given value at the given path: the other filters narrow in SQL, then the
    /// events are examined newest first, at most <see cref="PayloadScanLimit"/> deliveries per page. A page that stops
    /// at the limit may hold fewer matches than asked for (even none) and carries a cursor to scan on from.
    /// </summary>
    private async Task<Page<DeliveryView>> ScanPayloadAsync(
        TenantId tenant, DeliveryFilter filter, string where, List<(string, object?)> parameters, int limit, long? beforeTime, string? beforeId,
        CancellationToken cancellationToken)
    {
        var path = PayloadPath.Parse(filter.PayloadPath!, "payloadPath");
        var expected = filter.PayloadEquals!.Value;
        var found = new List<DeliveryView>();
        var scanned = 0;
        while (true)
        {
            var batch = await QueryAsync(
                $"""
                SELECT {DeliveryColumns} FROM deliveries WHERE {where}
                    AND (CAST(@scanTime AS BIGINT) IS NULL OR created_at < @scanTime OR (created_at = @scanTime AND id < @scanId))
                ORDER BY created_at DESC, id DESC LIMIT @scanBatch
                """,
                ReadDelivery, cancellationToken, [.. parameters, ("@scanTime", beforeTime), ("@scanId", beforeId ?? ""), ("@scanBatch", PayloadScanBatch)]);
            var events = await GetEventsAsync(tenant, [.. batch.Select(d => d.EventId).Distinct(StringComparer.Ordinal)], cancellationToken);
            foreach (var delivery in batch)
            {
                scanned++;
                (beforeTime, beforeId) = (Micros.From(delivery.CreatedAt), delivery.Id);
                if (events.TryGetValue(delivery.EventId, out var e) && path.Matches(e.Data, expected))
                {
                    found.Add(delivery);
                    if (found.Count > limit)
                    {
                        return ToPage(found, limit, d => EncodeCursor(Micros.From(d.CreatedAt), d.Id));
                    }
                }
                if (scanned >= PayloadScanLimit)
                {
                    return new Page<DeliveryView>(found, EncodeCursor(beforeTime.Value, beforeId));
                }
            }
            if (batch.Count < PayloadScanBatch)
            {
                return new Page<DeliveryView>(found, null);
            }
        }
    }
}
