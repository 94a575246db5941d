using System.Globalization;
using Ledger.Domain;
using Ledger.Projections.Stats;

namespace Ledger.Projections;

public sealed partial class ReadModelQueries
{
    /// <summary>At most this many buckets per series: a day of minutes, two months of hours, years of days.</summary>
    public const int MaxStatsBuckets = 1440;

    private static readonly string BucketColumns =
        "bucket_start, created, delivered, failed, redelivered, attempts, attempts_succeeded, attempts_failed, status_2xx, status_3xx, " +
        "status_4xx, status_5xx, status_other, no_response, latency_sum_ms, " +
        string.Join(", ", Enumerable.Range(0, LatencyHistogram.BinCount).Select(DeliveryStatsProjection.Bin));

    /// <summary>
    /// Every bucket of one width from the one holding <paramref name="since"/> up to <paramref name="until"/> (exclusive),
    /// oldest first, empty ones included: a webhook's when <paramref name="webhookId"/> is set, else the tenant's.
    /// One indexed range read of at most <see cref="MaxStatsBuckets"/> rows, whatever the traffic.
    /// </summary>
    public async Task<IReadOnlyList<StatsBucketView>> GetStatsSeriesAsync(
        TenantId tenant, string? webhookId, string granularity, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (!StatsGranularity.All.Contains(granularity))
        {
            throw DomainException.Validation("granularity", "granularity must be minute, hour or day");
        }
        var width = StatsGranularity.WidthMicros(granularity);
        var from = StatsGranularity.StartOf(granularity, Micros.From(since));
        var to = Micros.From(until);
        if (to <= from)
        {
            throw DomainException.Validation("until", "until must be after since");
        }
        if (granularity == StatsGranularity.Minute && statsRetention is not null && from < statsRetention.MinuteCutoffMicros())
        {
            throw DomainException.Validation(
                "since",
                string.Create(CultureInfo.InvariantCulture,
                    $"minute buckets are kept for {statsRetention.MinuteRetention.TotalDays:0.##} days: since must be at or after {Micros.To(statsRetention.MinuteCutoffMicros()):O}; ask for HOUR or DAY buckets for earlier times"));
        }
        var count = (to - from + width - 1) / width;
        if (count > MaxStatsBuckets)
        {
            throw DomainException.Validation("until", $"at most {MaxStatsBuckets} buckets per series; ask for a wider granularity or a shorter range");
        }
        var parameters = new (string, object?)[]
        {
            ("@tenant", tenant.Value), ("@scope", webhookId ?? DeliveryStatsProjection.TenantScope), ("@granularity", granularity), ("@from", from), ("@to", to),
        };
        var rows = await QueryAsync(
            $"""
            SELECT {BucketColumns} FROM stats_buckets
            WHERE tenant_id = @tenant AND scope = @scope AND granularity = @granularity AND bucket_start >= @from AND bucket_start < @to
            """,
            r =>
            {
                var bins = new long[LatencyHistogram.BinCount];
                for (var i = 0; i < bins.Length; i++)
                {
                    bins[i] = r.Long(15 + i);
                }
                return (Start: r.Long(0), Counts: Enumerable.Range(1, 14).Select(r.Long).ToArray(), Bins: bins);
            },
            cancellationToken, parameters);
        var codes = await QueryAsync(
            """
            SELECT bucket_start, code, count FROM stats_failure_codes
            WHERE tenant_id = @tenant AND scope = @scope AND granularity = @granularity AND bucket_start >= @from AND bucket_start < @to
            """,
            r => (Start: r.Long(0), Code: r.GetString(1), Count: r.Long(2)), cancellationToken, parameters);
        var byStart = rows.ToDictionary(r => r.Start);
        var codesByStart = codes.GroupBy(c => c.Start).ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, long>)g.ToDictionary(c => c.Code, c => c.Count, StringComparer.Ordinal));
        var series = new List<StatsBucketView>((int)count);
        for (var start = from; start < to; start += width)
        {
            var (startAt, endAt) = (Micros.To(start), Micros.To(start + width));
            if (!byStart.TryGetValue(start, out var row))
            {
                series.Add(StatsBucketView.Empty(startAt, endAt));
                continue;
            }
            var c = row.Counts;
            series.Add(new StatsBucketView(
                startAt, endAt, c[0], c[1], c[2], c[3], c[4], c[5], c[6], new AttemptStatusClasses(c[7], c[8], c[9], c[10], c[11], c[12]),
                codesByStart.GetValueOrDefault(start) ?? new Dictionary<string, long>(), c[13], row.Bins));
        }
        return series;
    }

    /// <summary>Deletes the minute buckets (and their failure codes) that start before <paramref name="cutoffMicros"/>; returns the rows deleted.</summary>
    public async Task<int> PruneMinuteStatsAsync(long cutoffMicros, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var session = new SqlSession(connection, null);
        var deleted = 0;
        foreach (var table in StatsSchema.Tables)
        {
            deleted += await session.ExecuteAsync(
                $"DELETE FROM {table} WHERE granularity = @granularity AND bucket_start < @cutoff", cancellationToken,
                ("@granularity", StatsGranularity.Minute), ("@cutoff", cutoffMicros));
        }
        return deleted;
    }
}
