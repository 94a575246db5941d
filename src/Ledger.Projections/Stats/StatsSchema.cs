namespace Ledger.Projections.Stats;

/// <summary>The statistics tables, written once for both databases (given the type of a text key column).</summary>
public static class StatsSchema
{
    public static readonly IReadOnlyList<string> Tables = ["stats_buckets", "stats_failure_codes"];

    public static IReadOnlyList<string> Statements(string key) =>
    [
        $"""
        CREATE TABLE IF NOT EXISTS stats_buckets (
            tenant_id {key} NOT NULL, scope {key} NOT NULL, granularity {key} NOT NULL, bucket_start BIGINT NOT NULL,
            created BIGINT NOT NULL, delivered BIGINT NOT NULL, failed BIGINT NOT NULL, redelivered BIGINT NOT NULL,
            attempts BIGINT NOT NULL, attempts_succeeded BIGINT NOT NULL, attempts_failed BIGINT NOT NULL,
            status_2xx BIGINT NOT NULL, status_3xx BIGINT NOT NULL, status_4xx BIGINT NOT NULL, status_5xx BIGINT NOT NULL,
            status_other BIGINT NOT NULL, no_response BIGINT NOT NULL, latency_sum_ms BIGINT NOT NULL,
            {string.Join(", ", Enumerable.Range(0, LatencyHistogram.BinCount).Select(i => DeliveryStatsProjection.Bin(i) + " BIGINT NOT NULL"))},
            PRIMARY KEY (tenant_id, scope, granularity, bucket_start))
        """,
        $"""
        CREATE TABLE IF NOT EXISTS stats_failure_codes (
            tenant_id {key} NOT NULL, scope {key} NOT NULL, granularity {key} NOT NULL, bucket_start BIGINT NOT NULL,
            code {key} NOT NULL, count BIGINT NOT NULL,
            PRIMARY KEY (tenant_id, scope, granularity, bucket_start, code))
        """,
        "CREATE INDEX IF NOT EXISTS stats_buckets_by_age ON stats_buckets (granularity, bucket_start)",
        "CREATE INDEX IF NOT EXISTS stats_failure_codes_by_age ON stats_failure_codes (granularity, bucket_start)",
    ];
}
