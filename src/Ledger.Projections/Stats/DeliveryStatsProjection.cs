using System.Globalization;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Projections.Stats;

/// <summary>
/// Statistics over time: for every webhook and for its whole tenant (scope <see cref="TenantScope"/>), one row per
/// minute, hour and UTC day with deliveries by outcome, attempts by status class and latency bin, and one row per
/// failure code. Every change is an increment, so a bucket reads in one row and a rebuild adds up to the same rows.
/// </summary>
public sealed class DeliveryStatsProjection : IProjection
{
    /// <summary>The scope of a tenant-wide bucket (webhook ids never take this form).</summary>
    public const string TenantScope = "*";

    private static readonly string[] Counters =
        ["created", "delivered", "failed", "redelivered", "attempts", "attempts_succeeded", "attempts_failed",
         "status_2xx", "status_3xx", "status_4xx", "status_5xx", "status_other", "no_response", "latency_sum_ms",
         .. Enumerable.Range(0, LatencyHistogram.BinCount).Select(Bin)];

    private static readonly string UpsertBucket =
        $"""
        INSERT INTO stats_buckets (tenant_id, scope, granularity, bucket_start, {string.Join(", ", Counters)})
        SELECT tenant_id, @scope, @granularity, @start, {string.Join(", ", Counters.Select(c => "@" + c))} FROM webhooks WHERE id = @webhook
        ON CONFLICT (tenant_id, scope, granularity, bucket_start) DO UPDATE SET
            {string.Join(", ", Counters.Select(c => $"{c} = stats_buckets.{c} + excluded.{c}"))}
        """;

    private const string UpsertFailureCode =
        """
        INSERT INTO stats_failure_codes (tenant_id, scope, granularity, bucket_start, code, count)
        SELECT tenant_id, @scope, @granularity, @start, @code, 1 FROM webhooks WHERE id = @webhook
        ON CONFLICT (tenant_id, scope, granularity, bucket_start, code) DO UPDATE SET count = stats_failure_codes.count + 1
        """;

    public string Name => "delivery-stats";

    public static string Bin(int index) => "latency_bin_" + index.ToString("D2", CultureInfo.InvariantCulture);

    public void Apply(SqlSession sql, StoredEvent stored, ILedgerEvent e)
    {
        switch (e)
        {
            case EventPublished x:
                foreach (var planned in x.Deliveries)
                {
                    Add(sql, planned.WebhookId, x.CreatedAt, new Dictionary<string, long> { ["created"] = 1 });
                }
                break;
            case AttemptSucceeded x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                Add(sql, webhook.Value, x.StartedAt, Attempt(x.DurationMs, x.StatusCode, succeeded: true));
                break;
            case AttemptFailed x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                Add(sql, webhook.Value, x.StartedAt, Attempt(x.DurationMs, x.StatusCode, succeeded: false));
                ForEachBucket(webhook.Value, x.StartedAt, (scope, granularity, start) => sql.Execute(UpsertFailureCode,
                    ("@scope", scope), ("@granularity", granularity), ("@start", start), ("@code", x.FailureCode), ("@webhook", webhook.Value)));
                break;
            case DeliveryCompleted x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                Add(sql, webhook.Value, x.DeliveredAt, new Dictionary<string, long> { ["delivered"] = 1 });
                break;
            case DeliveryFailed x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                Add(sql, webhook.Value, x.FailedAt, new Dictionary<string, long> { ["failed"] = 1 });
                break;
            case RedeliveryRequested x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                Add(sql, webhook.Value, x.RequestedAt, new Dictionary<string, long> { ["redelivered"] = 1 });
                break;
        }
    }

    private static Dictionary<string, long> Attempt(int durationMs, int? statusCode, bool succeeded)
    {
        var statusClass = statusCode switch
        {
            null => "no_response",
            >= 200 and < 300 => "status_2xx",
            >= 300 and < 400 => "status_3xx",
            >= 400 and < 500 => "status_4xx",
            >= 500 and < 600 => "status_5xx",
            _ => "status_other",
        };
        return new Dictionary<string, long>
        {
            ["attempts"] = 1,
            [succeeded ? "attempts_succeeded" : "attempts_failed"] = 1,
            [statusClass] = 1,
            ["latency_sum_ms"] = Math.Max(0, durationMs),
            [Bin(LatencyHistogram.BinOf(durationMs))] = 1,
        };
    }

    private static void Add(SqlSession sql, string webhookId, DateTimeOffset at, Dictionary<string, long> deltas) =>
        ForEachBucket(webhookId, at, (scope, granularity, start) => sql.Execute(UpsertBucket,
            [("@scope", scope), ("@granularity", granularity), ("@start", start),
             .. Counters.Select(c => ("@" + c, (object?)deltas.GetValueOrDefault(c))), ("@webhook", webhookId)]));

    private static void ForEachBucket(string webhookId, DateTimeOffset at, Action<string, string, long> apply)
    {
        var micros = Micros.From(at);
        foreach (var scope in new[] { webhookId, TenantScope })
        {
            foreach (var granularity in StatsGranularity.All)
            {
                apply(scope, granularity, StatsGranularity.StartOf(granularity, micros));
            }
        }
    }
}
