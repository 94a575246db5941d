using System.Globalization;
using Ledger.Domain;
using Ledger.EventStore;

namespace Ledger.Projections.Stats;

/// <summary>
/// Statistics over time: for every webhook and for its whole tenant (scope <see cref="TenantScope"/>), one row per
/// minute, hour and UTC day with deliveries by outcome, attempts by status class and latency bin, and one row per
/// failure code. Every change is an increment, so a bucket reads in one row and a rebuild adds up to the same rows.
/// <para>
/// With a <paramref name="retention"/>, minute buckets older than it keeps are not written at all: they would be
/// pruned and are refused to readers anyway. Live events are never that old; a rebuild of a long ledger skips most
/// of its minute rows.
/// </para>
/// </summary>
public sealed class DeliveryStatsProjection(StatsRetention? retention = null) : IProjection
{
    /// <summary>The scope of a tenant-wide bucket (webhook ids never take this form).</summary>
    public const string TenantScope = "*";

    private static readonly string[] Counters =
        ["created", "delivered", "failed", "redelivered", "attempts", "attempts_succeeded", "attempts_failed",
         "status_2xx", "status_3xx", "status_4xx", "status_5xx", "status_other", "no_response", "latency_sum_ms",
         .. Enumerable.Range(0, LatencyHistogram.BinCount).Select(Bin)];

    /// <summary>
    /// Short parameter names: SQLite finds a parameter by comparing its name with each of the statement's in turn,
    /// and 35 names sharing a long prefix (<c>@latency_bin_…</c>) made that a tenth of a rebuild's time.
    /// </summary>
    private static readonly string[] CounterParameters = [.. Enumerable.Range(0, Counters.Length).Select(i => "@c" + i.ToString(CultureInfo.InvariantCulture))];

    private static readonly string UpsertBucket =
        $"""
        INSERT INTO stats_buckets (tenant_id, scope, granularity, bucket_start, {string.Join(", ", Counters)})
        SELECT tenant_id, @scope, @granularity, @start, {string.Join(", ", CounterParameters)} FROM webhooks WHERE id = @webhook
        ON CONFLICT (tenant_id, scope, granularity, bucket_start) DO UPDATE SET
            {string.Join(", ", Counters.Select(c => $"{c} = stats_buckets.{c} + excluded.{c}"))}
        """;

    private const string UpsertFailureCode =
        """
        INSERT INTO stats_failure_codes (tenant_id, scope, granularity, bucket_start, code, count)
        SELECT tenant_id, @scope, @granularity, @start, @code, @count FROM webhooks WHERE id = @webhook
        ON CONFLICT (tenant_id, scope, granularity, bucket_start, code) DO UPDATE SET count = stats_failure_codes.count + excluded.count
        """;

    private static readonly Dictionary<string, int> CounterIndex = Counters.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);

    public string Name => "delivery-stats";

    public static string Bin(int index) => "latency_bin_" + index.ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>Gathers the batch's increments per bucket (<see cref="Increments"/>): a bucket is written once per batch, not once per event.</summary>
    public void Apply(SqlSession sql, StoredEvent stored, ILedgerEvent e)
    {
        var increments = sql.Deferred<Increments>();
        // Once per batch: the cutoff moves by whole hours, so reading the clock for every event buys nothing.
        increments.MinuteCutoff ??= retention?.MinuteCutoffMicros() ?? long.MinValue;
        switch (e)
        {
            case EventPublished x:
                foreach (var planned in x.Deliveries)
                {
                    increments.Add(planned.WebhookId, x.CreatedAt, "created", 1);
                }
                break;
            case AttemptSucceeded x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                increments.AddAttempt(webhook.Value, x.StartedAt, x.DurationMs, x.StatusCode, succeeded: true);
                break;
            case AttemptFailed x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                increments.AddAttempt(webhook.Value, x.StartedAt, x.DurationMs, x.StatusCode, succeeded: false);
                increments.AddFailure(webhook.Value, x.StartedAt, x.FailureCode);
                break;
            case DeliveryCompleted x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                increments.Add(webhook.Value, x.DeliveredAt, "delivered", 1);
                break;
            case DeliveryFailed x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                increments.Add(webhook.Value, x.FailedAt, "failed", 1);
                break;
            case RedeliveryRequested x when Streams.WebhookOfLane(stored.StreamId) is { } webhook:
                increments.Add(webhook.Value, x.RequestedAt, "redelivered", 1);
                break;
        }
    }

    private static string StatusClass(int? statusCode) => statusCode switch
    {
        null => "no_response",
        >= 200 and < 300 => "status_2xx",
        >= 300 and < 400 => "status_3xx",
        >= 400 and < 500 => "status_4xx",
        >= 500 and < 600 => "status_5xx",
        _ => "status_other",
    };

    /// <summary>One batch's increments, by bucket of each webhook and of its tenant; written as one upsert per bucket.</summary>
    public sealed class Increments : IDeferredWrites
    {
        private readonly Dictionary<(string Webhook, string Scope, string Granularity, long Start), long[]> _buckets = [];
        private readonly Dictionary<(string Webhook, string Scope, string Granularity, long Start, string Code), long> _failureCodes = [];

        /// <summary>Minute buckets starting before this (Unix microseconds) are past retention and not written; null until the batch's first event.</summary>
        public long? MinuteCutoff { get; set; }

        public void Add(string webhookId, DateTimeOffset at, string counter, long amount) => Add(webhookId, at, [(counter, amount)]);

        /// <summary>Adds to several counters of each of the event's buckets, the buckets found once.</summary>
        public void Add(string webhookId, DateTimeOffset at, params (string Counter, long Amount)[] increments) =>
            ForEachBucket(webhookId, at, MinuteCutoff ?? long.MinValue, (scope, granularity, start) =>
            {
                var key = (webhookId, scope, granularity, start);
                if (!_buckets.TryGetValue(key, out var counts))
                {
                    _buckets[key] = counts = new long[Counters.Length];
                }
                foreach (var (counter, amount) in increments)
                {
                    counts[CounterIndex[counter]] += amount;
                }
            });

        public void AddAttempt(string webhookId, DateTimeOffset at, int durationMs, int? statusCode, bool succeeded) =>
            Add(webhookId, at,
                ("attempts", 1),
                (succeeded ? "attempts_succeeded" : "attempts_failed", 1),
                (StatusClass(statusCode), 1),
                ("latency_sum_ms", Math.Max(0, durationMs)),
                (Bin(LatencyHistogram.BinOf(durationMs)), 1));

        public void AddFailure(string webhookId, DateTimeOffset at, string code) =>
            ForEachBucket(webhookId, at, MinuteCutoff ?? long.MinValue, (scope, granularity, start) =>
            {
                var key = (webhookId, scope, granularity, start, code);
                _failureCodes[key] = _failureCodes.GetValueOrDefault(key) + 1;
            });

        public void Write(SqlSession sql)
        {
            foreach (var ((webhook, scope, granularity, start), counts) in _buckets)
            {
                sql.Execute(UpsertBucket,
                    [("@scope", scope), ("@granularity", granularity), ("@start", start),
                     .. counts.Select((count, i) => (CounterParameters[i], (object?)count)), ("@webhook", webhook)]);
            }
            foreach (var ((webhook, scope, granularity, start, code), count) in _failureCodes)
            {
                sql.Execute(UpsertFailureCode,
                    ("@scope", scope), ("@granularity", granularity), ("@start", start), ("@code", code), ("@count", count), ("@webhook", webhook));
            }
        }
    }

    private static void ForEachBucket(string webhookId, DateTimeOffset at, long minuteCutoff, Action<string, string, long> apply)
    {
        var micros = Micros.From(at);
        foreach (var scope in new[] { webhookId, TenantScope })
        {
            foreach (var granularity in StatsGranularity.All)
            {
                var start = StatsGranularity.StartOf(granularity, micros);
                if (granularity != StatsGranularity.Minute || start >= minuteCutoff)
                {
                    apply(scope, granularity, start);
                }
            }
        }
    }
}
