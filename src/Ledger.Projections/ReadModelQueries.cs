using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Projections;

/// <summary>The read side: every query the REST API, GraphQL and the dispatcher ask of the read models, tenant-scoped.</summary>
public sealed partial class ReadModelQueries(ReadModelDatabase database, Stats.StatsRetention? statsRetention = null)
{
    public const int MaxPageSize = 250;

    /// <summary>Ids per IN list, well under every backend's parameter limit.</summary>
    private const int InListChunk = 500;

    private const string DeliveryColumns =
        "id, tenant_id, event_id, webhook_id, event_type, status, attempts, last_attempted_at, last_status_code, last_failure_code, " +
        "last_error_message, next_attempt_at, terminal_failure_at, delivered_at, created_at, stream_id";

    private const string WebhookColumns =
        "id, tenant_id, url, events, description, profile, active, disabled_reason, ordering, circuit_state, retry_schedule, " +
        "max_attempt_age_seconds, rate_limit_per_minute, filters, metadata, created_at, updated_at, disable_after_failures, circuit_opened_at, next_probe_at";

    private const string WebhookTables = "webhooks LEFT JOIN webhook_policies ON webhook_policies.webhook_id = webhooks.id";

    public async Task<WebhookView?> GetWebhookAsync(TenantId tenant, string id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            $"SELECT {WebhookColumns} FROM {WebhookTables} WHERE tenant_id = @tenant AND id = @id AND deleted = 0", ReadWebhook, cancellationToken,
            ("@tenant", tenant.Value), ("@id", id));
        return rows.FirstOrDefault();
    }

    public async Task<IReadOnlyDictionary<string, WebhookView>> GetWebhooksAsync(TenantId tenant, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return new Dictionary<string, WebhookView>();
        }
        var (list, parameters) = InList("@w", ids);
        var rows = await QueryAsync(
            $"SELECT {WebhookColumns} FROM {WebhookTables} WHERE tenant_id = @tenant AND id IN ({list})", ReadWebhook, cancellationToken,
            [("@tenant", tenant.Value), .. parameters]);
        return rows.ToDictionary(w => w.Id, StringComparer.Ordinal);
    }

    public async Task<Page<WebhookView>> ListWebhooksAsync(TenantId tenant, int limit, string? cursor, CancellationToken cancellationToken)
    {
        limit = ClampLimit(limit);
        var (afterTime, afterId) = DecodeCursor(cursor);
        var rows = await QueryAsync(
            $"""
            SELECT {WebhookColumns} FROM {WebhookTables} WHERE tenant_id = @tenant AND deleted = 0
                AND (CAST(@afterTime AS BIGINT) IS NULL OR created_at > @afterTime OR (created_at = @afterTime AND id > @afterId))
            ORDER BY created_at, id LIMIT @limit
            """,
            ReadWebhook, cancellationToken, ("@tenant", tenant.Value), ("@afterTime", afterTime), ("@afterId", afterId ?? ""), ("@limit", limit + 1));
        return ToPage(rows, limit, w => EncodeCursor(Micros.From(w.CreatedAt), w.Id));
    }

    public async Task<int> CountWebhooksAsync(TenantId tenant, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync("SELECT COUNT(*) FROM webhooks WHERE tenant_id = @tenant AND deleted = 0", r => r.Int(0), cancellationToken, ("@tenant", tenant.Value));
        return rows[0];
    }

    public async Task<DeliveryView?> GetDeliveryAsync(TenantId tenant, string id, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync($"SELECT {DeliveryColumns} FROM deliveries WHERE tenant_id = @tenant AND id = @id", ReadDelivery, cancellationToken, ("@tenant", tenant.Value), ("@id", id));
        return rows.FirstOrDefault();
    }

    public async Task<IReadOnlyList<DeliveryView>> GetDeliveriesOfEventAsync(TenantId tenant, string eventId, CancellationToken cancellationToken) =>
        await QueryAsync(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE tenant_id = @tenant AND event_id = @event ORDER BY id", ReadDelivery, cancellationToken,
            ("@tenant", tenant.Value), ("@event", eventId));

    /// <summary>Deliveries newest first, keyset-paged by (createdAt, id).</summary>
    public async Task<Page<DeliveryView>> ListDeliveriesAsync(TenantId tenant, DeliveryFilter filter, int limit, string? cursor, CancellationToken cancellationToken)
    {
        limit = ClampLimit(limit);
        var (beforeTime, beforeId) = DecodeCursor(cursor);
        var where = new StringBuilder("tenant_id = @tenant");
        var parameters = new List<(string, object?)> { ("@tenant", tenant.Value) };
        if (filter.WebhookId is not null)
        {
            where.Append(" AND webhook_id = @webhook");
            parameters.Add(("@webhook", filter.WebhookId));
        }
        if (filter.WebhookIds is { } webhookIds)
        {
            var (list, webhookParameters) = InList("@ws", webhookIds.Count == 0 ? [""] : webhookIds);
            where.Append(CultureInfo.InvariantCulture, $" AND webhook_id IN ({list})");
            parameters.AddRange(webhookParameters);
        }
        if (filter.EventType is not null)
        {
            where.Append(" AND event_type = @type");
            parameters.Add(("@type", filter.EventType));
        }
        if (filter.EventId is not null)
        {
            where.Append(" AND event_id = @event");
            parameters.Add(("@event", filter.EventId));
        }
        if (filter.Statuses is { Count: > 0 } statuses)
        {
            var (list, statusParameters) = InList("@s", statuses);
            where.Append(CultureInfo.InvariantCulture, $" AND status IN ({list})");
            parameters.AddRange(statusParameters);
        }
        if (filter.Since is { } since)
        {
            where.Append(" AND created_at >= @since");
            parameters.Add(("@since", Micros.From(since)));
        }
        if (filter.Until is { } until)
        {
            where.Append(" AND created_at < @until");
            parameters.Add(("@until", Micros.From(until)));
        }
        AppendSearchConditions(filter, where, parameters);
        if (filter.PayloadPath is not null)
        {
            return await ScanPayloadAsync(tenant, filter, where.ToString(), parameters, limit, beforeTime, beforeId, cancellationToken);
        }
        if (beforeTime is not null)
        {
            where.Append(" AND (created_at < @beforeTime OR (created_at = @beforeTime AND id < @beforeId))");
            parameters.Add(("@beforeTime", beforeTime));
            parameters.Add(("@beforeId", beforeId));
        }
        parameters.Add(("@limit", limit + 1));
        var rows = await QueryAsync(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE {where} ORDER BY created_at DESC, id DESC LIMIT @limit",
            ReadDelivery, cancellationToken, [.. parameters]);
        return ToPage(rows, limit, d => EncodeCursor(Micros.From(d.CreatedAt), d.Id));
    }

    public async Task<IReadOnlyList<AttemptView>> GetAttemptsAsync(TenantId tenant, string deliveryId, CancellationToken cancellationToken) =>
        await QueryAsync(
            """
            SELECT delivery_id, number, started_at, duration_ms, status_code, failure_code, error_message, response_body
            FROM attempts WHERE tenant_id = @tenant AND delivery_id = @id ORDER BY number
            """,
            r => new AttemptView(r.GetString(0), r.Int(1), r.Time(2), r.Int(3), r.NullableInt(4), r.NullableString(5), r.NullableString(6), r.NullableString(7)),
            cancellationToken, ("@tenant", tenant.Value), ("@id", deliveryId));

    public async Task<EventView?> GetEventAsync(TenantId tenant, string id, CancellationToken cancellationToken)
    {
        var rows = await GetEventsAsync(tenant, [id], cancellationToken);
        return rows.GetValueOrDefault(id);
    }

    public async Task<IReadOnlyDictionary<string, EventView>> GetEventsAsync(TenantId tenant, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return new Dictionary<string, EventView>();
        }
        var (list, parameters) = InList("@e", ids);
        var rows = await QueryAsync(
            $"SELECT id, tenant_id, type, api_version, created_at, data, metadata, ordering_key, position FROM events WHERE tenant_id = @tenant AND id IN ({list})",
            r => new EventView(
                r.GetString(0), r.GetString(1), r.GetString(2), r.NullableString(3), r.Time(4), JsonDocument.Parse(r.GetString(5)).RootElement.Clone(),
                r.NullableString(6) is { } metadata ? JsonSerializer.Deserialize<Dictionary<string, string>>(metadata, EventSerializer.Options) : null,
                r.NullableString(7), r.Long(8)),
            cancellationToken, [("@tenant", tenant.Value), .. parameters]);
        return rows.ToDictionary(e => e.Id, StringComparer.Ordinal);
    }

    /// <param name="withinWebhooks">When set, only deliveries to these webhooks count (a caller's scope).</param>
    public async Task<DeliveryStats> GetStatsAsync(
        TenantId tenant, string? webhookId, DateTimeOffset? since, CancellationToken cancellationToken, IReadOnlyCollection<string>? withinWebhooks = null)
    {
        var where = "tenant_id = @tenant AND (CAST(@webhook AS TEXT) IS NULL OR webhook_id = @webhook) AND (CAST(@since AS BIGINT) IS NULL OR created_at >= @since)";
        var parameters = new (string, object?)[] { ("@tenant", tenant.Value), ("@webhook", webhookId), ("@since", Micros.From(since)) };
        if (withinWebhooks is not null)
        {
            var (list, webhookParameters) = InList("@ws", withinWebhooks.Count == 0 ? [""] : withinWebhooks);
            where += $" AND webhook_id IN ({list})";
            parameters = [.. parameters, .. webhookParameters];
        }
        var counts = await QueryAsync(
            $"SELECT status, COUNT(*) FROM deliveries WHERE {where} GROUP BY status", r => (Status: r.GetString(0), Count: r.Int(1)), cancellationToken, parameters);
        var latencies = await QueryAsync(
            $"SELECT latency_ms FROM deliveries WHERE {where} AND status = 'delivered' AND latency_ms IS NOT NULL ORDER BY latency_ms LIMIT 100000",
            r => r.Int(0), cancellationToken, parameters);
        int Count(string status) => counts.Where(c => c.Status == status).Sum(c => c.Count);
        var delivered = Count(DeliveryStatuses.Delivered);
        var failed = Count(DeliveryStatuses.Failed);
        var settled = delivered + failed;
        return new DeliveryStats(
            counts.Sum(c => c.Count), delivered, failed, Count(DeliveryStatuses.Pending) + Count(DeliveryStatuses.Retrying),
            settled == 0 ? null : (double)delivered / settled, Percentile(latencies, 0.50), Percentile(latencies, 0.95));
    }

    /// <summary>Deliveries by id, for batched loading (GraphQL) and for announcing changes (subscriptions).</summary>
    public async Task<IReadOnlyDictionary<string, DeliveryView>> GetDeliveriesAsync(TenantId tenant, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, DeliveryView>(StringComparer.Ordinal);
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(InListChunk))
        {
            var (list, parameters) = InList("@d", chunk);
            var rows = await QueryAsync(
                $"SELECT {DeliveryColumns} FROM deliveries WHERE tenant_id = @tenant AND id IN ({list})", ReadDelivery, cancellationToken,
                [("@tenant", tenant.Value), .. parameters]);
            foreach (var row in rows)
            {
                found[row.Id] = row;
            }
        }
        return found;
    }

    /// <summary>The deliveries of several events at once (ordered by id within an event), for batched loading.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<DeliveryView>>> GetDeliveriesOfEventsAsync(
        TenantId tenant, IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, IReadOnlyList<DeliveryView>>(StringComparer.Ordinal);
        foreach (var chunk in eventIds.Distinct(StringComparer.Ordinal).Chunk(InListChunk))
        {
            var (list, parameters) = InList("@e", chunk);
            var rows = await QueryAsync(
                $"SELECT {DeliveryColumns} FROM deliveries WHERE tenant_id = @tenant AND event_id IN ({list}) ORDER BY event_id, id", ReadDelivery,
                cancellationToken, [("@tenant", tenant.Value), .. parameters]);
            foreach (var group in rows.GroupBy(d => d.EventId, StringComparer.Ordinal))
            {
                found[group.Key] = [.. group];
            }
        }
        return found;
    }

    /// <summary>The attempts of several deliveries at once (ordered by number), for batched loading.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<AttemptView>>> GetAttemptsOfDeliveriesAsync(
        TenantId tenant, IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, IReadOnlyList<AttemptView>>(StringComparer.Ordinal);
        foreach (var chunk in deliveryIds.Distinct(StringComparer.Ordinal).Chunk(InListChunk))
        {
            var (list, parameters) = InList("@d", chunk);
            var rows = await QueryAsync(
                $"""
                SELECT delivery_id, number, started_at, duration_ms, status_code, failure_code, error_message, response_body
                FROM attempts WHERE tenant_id = @tenant AND delivery_id IN ({list}) ORDER BY delivery_id, number
                """,
                r => new AttemptView(r.GetString(0), r.Int(1), r.Time(2), r.Int(3), r.NullableInt(4), r.NullableString(5), r.NullableString(6), r.NullableString(7)),
                cancellationToken, [("@tenant", tenant.Value), .. parameters]);
            foreach (var group in rows.GroupBy(a => a.DeliveryId, StringComparer.Ordinal))
            {
                found[group.Key] = [.. group];
            }
        }
        return found;
    }

    /// <summary>The dispatcher's work index: lanes that hold unsettled deliveries.</summary>
    public async Task<IReadOnlyList<string>> LanesWithWorkAsync(CancellationToken cancellationToken) =>
        await QueryAsync("SELECT stream_id FROM lanes WHERE unsettled > 0 ORDER BY stream_id", r => r.GetString(0), cancellationToken);

    /// <summary>Failed deliveries of a webhook created at or after a time (for replay).</summary>
    public async Task<IReadOnlyList<DeliveryView>> FailedDeliveriesAsync(TenantId tenant, string webhookId, DateTimeOffset since, CancellationToken cancellationToken) =>
        await QueryAsync(
            $"SELECT {DeliveryColumns} FROM deliveries WHERE tenant_id = @tenant AND webhook_id = @webhook AND status = 'failed' AND created_at >= @since ORDER BY created_at, id",
            ReadDelivery, cancellationToken, ("@tenant", tenant.Value), ("@webhook", webhookId), ("@since", Micros.From(since)));

    /// <summary>Every row of every read model in a stable order (for comparing a rebuild with the incremental build).</summary>
    public async Task<string> DumpAsync(CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var table in ReadModelDatabase.Tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} ORDER BY 1, 2";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            text.Append("## ").AppendLine(table);
            var lines = new List<string>();
            while (await reader.ReadAsync(cancellationToken))
            {
                var line = new StringBuilder();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    line.Append(reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append('|');
                }
                lines.Add(line.ToString());
            }
            lines.Sort(StringComparer.Ordinal);
            foreach (var line in lines)
            {
                text.AppendLine(line);
            }
        }
        return text.ToString();
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var session = new SqlSession(connection, null);
        return await session.QueryAsync(sql, map, cancellationToken, parameters);
    }

    private static WebhookView ReadWebhook(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), Json<List<string>>(r.GetString(3))!, r.NullableString(4), r.GetString(5), r.Int(6) == 1,
        r.NullableString(7), r.GetString(8), r.GetString(9),
        r.NullableString(10) is { } schedule ? Json<List<int>>(schedule)! : Profiles.DefaultRetrySchedule(r.GetString(5)),
        r.NullableInt(11) ?? Profiles.DefaultMaxAttemptAgeSeconds(r.GetString(5)), r.NullableInt(12),
        r.NullableString(13) is { } filters ? Json<WebhookFilters>(filters) : null,
        r.NullableString(14) is { } metadata ? Json<Dictionary<string, string>>(metadata) : null,
        r.Time(15), r.Time(16), r.NullableInt(17), r.NullableTime(18), r.NullableTime(19));

    private static DeliveryView ReadDelivery(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.Int(6), r.NullableTime(7),
        r.NullableInt(8), r.NullableString(9), r.NullableString(10), r.NullableTime(11), r.NullableTime(12), r.NullableTime(13), r.Time(14),
        r.NullableString(15));

    private static T? Json<T>(string json) => JsonSerializer.Deserialize<T>(json, EventSerializer.Options);

    private static int ClampLimit(int limit) => limit <= 0 ? 50 : Math.Min(limit, MaxPageSize);

    private static Page<T> ToPage<T>(List<T> rows, int limit, Func<T, string> cursorOf) =>
        rows.Count > limit ? new Page<T>(rows[..limit], cursorOf(rows[limit - 1])) : new Page<T>(rows, null);

    private static (string List, (string, object?)[] Parameters) InList(string prefix, IEnumerable<string> values)
    {
        var parameters = values.Select((v, i) => ($"{prefix}{i}", (object?)v)).ToArray();
        return (string.Join(", ", parameters.Select(p => p.Item1)), parameters);
    }

    private static double? Percentile(List<int> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string EncodeCursor(long micros, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{micros}:{id}"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Reads a cursor this class made; anything else is a validation error, not an empty page.</summary>
    public static (long? Micros, string? Id) DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return (null, null);
        }
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros))
            {
                return (micros, text[(colon + 1)..]);
            }
        }
        catch (FormatException)
        {
        }
        throw DomainException.Validation("cursor", "cursor is not one this API gave out");
    }
}
