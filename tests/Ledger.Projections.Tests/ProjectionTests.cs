using System.Text.Json;
using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.EventStore;
using Ledger.EventStore.Postgres;
using Ledger.EventStore.Sqlite;
using Ledger.Projections;
using Ledger.Projections.Stats;
using Ledger.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Projections.Tests;

/// <summary>The read models, run once per backend (ledger and read models on SQLite, or both on PostgreSQL).</summary>
public abstract class ProjectionTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TenantId Tenant = new("acme");

    private IEventStore _store = null!;
    private ReadModelDatabase _database = null!;

    /// <summary>A fresh, empty ledger and read-model database for one test.</summary>
    protected abstract Task<(IEventStore Store, ReadModelDatabase Database)> OpenAsync();

    protected virtual Task CloseAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => (_store, _database) = await OpenAsync();

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        if (_database is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        await CloseAsync();
    }

    private ProjectionRunner Runner(params IProjectionObserver[] observers) =>
        new(_store, _database, LedgerProjections.All(), observers) { BatchSize = 7 };

    private async Task AppendAsync(string stream, params ILedgerEvent[] events) =>
        await _store.AppendAsync([new StreamAppend(stream, ExpectedVersion.Any, [.. events.Select(e => EventSerializer.ToNew(e, T0))])]);

    /// <summary>A small but complete history: webhooks configured, events fanned out, attempts, failure, redelivery.</summary>
    private async Task WriteHistoryAsync(ProjectionRunner runner)
    {
        var tenantStream = Streams.Tenant(Tenant);
        await AppendAsync(tenantStream, new WebhookRegistered("wh_a", "https://a.example/h", ["trade.*"], "A", Profiles.Standard, "whsec_x", true, Ordering.Fifo, null, null, null, null, null, T0));
        await AppendAsync(tenantStream, new WebhookRegistered("wh_b", "https://b.example/h", ["*"], null, Profiles.V2k, "secret-b-0123456789", true, Ordering.Unordered, [1, 2], 600, 100, new WebhookFilters("erd1", null, null), new Dictionary<string, string> { ["team"] = "pay" }, T0));
        await runner.CatchUpAsync(CancellationToken.None);
        for (var i = 0; i < 20; i++)
        {
            using var data = JsonDocument.Parse($$"""{"n":{{i}},"amount":"1.50"}""");
            var at = T0.AddSeconds(i);
            var published = new EventPublished($"evt_{i:D3}", "trade.completed", data.RootElement.Clone(), "2026-04-29", null, i % 2 == 0 ? "k" : null, at,
                [new PlannedDelivery($"dlv_a{i:D3}", "wh_a"), new PlannedDelivery($"dlv_b{i:D3}", "wh_b")]);
            await AppendAsync(tenantStream, published);
            var lane = Streams.Delivery(new WebhookId("wh_a"), published.OrderingKey);
            await AppendAsync(lane, new DeliveryEnqueued($"dlv_a{i:D3}", published.EventId, "wh_a", Tenant.Value, "trade.completed", i, Ordering.Fifo, [1], null, at));
            await AppendAsync(Streams.Delivery(new WebhookId("wh_b"), null), new DeliveryEnqueued($"dlv_b{i:D3}", published.EventId, "wh_b", Tenant.Value, "trade.completed", i, Ordering.Unordered, [1], null, at));
            if (i % 3 == 0)
            {
                await AppendAsync(lane,
                    new AttemptFailed($"dlv_a{i:D3}", 1, at, 12, 500, FailureCodes.HttpStatus, "receiver answered 500", "no", at.AddSeconds(1)),
                    new AttemptFailed($"dlv_a{i:D3}", 2, at.AddSeconds(1), 9, null, FailureCodes.Timeout, "no answer", null, null),
                    new DeliveryFailed($"dlv_a{i:D3}", FailureCodes.RetriesExhausted, at.AddSeconds(1)));
            }
            else
            {
                await AppendAsync(lane, new AttemptSucceeded($"dlv_a{i:D3}", 1, at, 5 + i, 200, "ok"), new DeliveryCompleted($"dlv_a{i:D3}", at));
            }
            if (i % 4 == 0)
            {
                await runner.CatchUpAsync(CancellationToken.None);
            }
        }
        await AppendAsync(Streams.Delivery(new WebhookId("wh_a"), "k"), new RedeliveryRequested("dlv_a000", 2, T0.AddHours(1)));
        await AppendAsync(tenantStream, new WebhookUpdated("wh_b", "https://b2.example/h", ["trade.*"], "B", false, Ordering.Unordered, null, null, null, null, null, T0.AddHours(1)));
        await AppendAsync(tenantStream, new SecretRotated("wh_a", "whsec_y", T0.AddHours(2), T0.AddHours(3)));
        await AppendAsync(tenantStream, new WebhookDeleted("wh_b", T0.AddHours(4)));
        await runner.CatchUpAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_rebuild_from_scratch_equals_the_incrementally_built_read_models()
    {
        var runner = Runner();
        await WriteHistoryAsync(runner);
        var queries = new ReadModelQueries(_database);
        var incremental = await queries.DumpAsync(CancellationToken.None);

        var replayed = await Runner().RebuildAsync(null, CancellationToken.None);
        var rebuilt = await queries.DumpAsync(CancellationToken.None);

        Assert.Equal(await _store.ReadHeadPositionAsync(), replayed);
        Assert.Equal(incremental, rebuilt);
        Assert.Contains("dlv_a019", rebuilt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_inspection_view_follows_each_delivery_through_its_attempts()
    {
        await WriteHistoryAsync(Runner());
        var queries = new ReadModelQueries(_database);

        var failed = await queries.GetDeliveryAsync(Tenant, "dlv_a003", CancellationToken.None);
        var delivered = await queries.GetDeliveryAsync(Tenant, "dlv_a001", CancellationToken.None);
        var redelivered = await queries.GetDeliveryAsync(Tenant, "dlv_a000", CancellationToken.None);
        var attempts = await queries.GetAttemptsAsync(Tenant, "dlv_a003", CancellationToken.None);

        Assert.Equal((DeliveryStatuses.Failed, 2, FailureCodes.Timeout), (failed!.Status, failed.Attempts, failed.LastFailureCode));
        Assert.NotNull(failed.TerminalFailureAt);
        Assert.Equal((DeliveryStatuses.Delivered, 200), (delivered!.Status, delivered.LastStatusCode));
        Assert.Equal(DeliveryStatuses.Pending, redelivered!.Status);
        Assert.Null(redelivered.TerminalFailureAt);
        Assert.Equal([500, null], attempts.Select(a => a.StatusCode));
        Assert.Null(await queries.GetDeliveryAsync(new TenantId("other"), "dlv_a003", CancellationToken.None));
    }

    [Fact]
    public async Task Deliveries_page_newest_first_by_cursor_within_a_status()
    {
        await WriteHistoryAsync(Runner());
        var queries = new ReadModelQueries(_database);
        var filter = new DeliveryFilter(WebhookId: "wh_a", Statuses: [DeliveryStatuses.Delivered]);

        var seen = new List<DeliveryView>();
        string? cursor = null;
        do
        {
            var page = await queries.ListDeliveriesAsync(Tenant, filter, 4, cursor, CancellationToken.None);
            seen.AddRange(page.Data);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(13, seen.Count);
        Assert.All(seen, d => Assert.Equal(DeliveryStatuses.Delivered, d.Status));
        Assert.Equal(seen.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id, StringComparer.Ordinal).Select(d => d.Id), seen.Select(d => d.Id));
        Assert.Throws<DomainException>(() => ReadModelQueries.DecodeCursor("garbage!"));
    }

    [Fact]
    public async Task The_work_index_lists_lanes_with_unsettled_deliveries()
    {
        await WriteHistoryAsync(Runner());
        var queries = new ReadModelQueries(_database);

        var lanes = await queries.LanesWithWorkAsync(CancellationToken.None);

        Assert.Equal(["delivery-wh_a~k", "delivery-wh_b"], lanes);
    }

    [Fact]
    public async Task Statements_with_null_parameters_run_on_every_backend()
    {
        var runner = Runner();
        await WriteHistoryAsync(runner);
        await AppendAsync(Streams.Tenant(Tenant), new SecretRotated("wh_a", "whsec_z", T0.AddHours(5), null));
        await runner.CatchUpAsync(CancellationToken.None);
        var queries = new ReadModelQueries(_database);

        var all = await queries.GetStatsAsync(Tenant, null, null, CancellationToken.None);
        var recent = await queries.GetStatsAsync(Tenant, "wh_a", T0.AddSeconds(10), CancellationToken.None);
        var first = await queries.ListWebhooksAsync(Tenant, 1, null, CancellationToken.None);
        var registry = new WebhookRegistry();
        await registry.LoadAsync(_database, CancellationToken.None);

        Assert.Equal((40, 13, 6), (all.Total, all.Delivered, all.Failed));
        Assert.Equal((10, 7, 3), (recent.Total, recent.Delivered, recent.Failed));
        Assert.Equal(["wh_a"], first.Data.Select(w => w.Id));
        Assert.Null(first.NextCursor);
        Assert.Equal(["whsec_z"], registry.Find("wh_a")!.SigningSecrets(T0.AddHours(5.5)));
    }

    private sealed record Fact(string WebhookId, string Kind, DateTimeOffset At, int? StatusCode = null, string? FailureCode = null, int DurationMs = 0);

    /// <summary>
    /// Traffic spread over hours by a fake clock; the statistics buckets must equal a count over what was appended,
    /// for every width and for a webhook and the whole tenant, and a rebuild must give the same series.
    /// </summary>
    [Fact]
    public async Task Statistics_buckets_equal_a_count_over_the_deliveries_and_survive_a_rebuild()
    {
        var clock = new FakeTimeProvider(T0.AddSeconds(17));
        var random = new Random(14);
        var facts = new List<Fact>();
        var runner = Runner();
        var tenantStream = Streams.Tenant(Tenant);
        await AppendAsync(tenantStream, new WebhookRegistered("wh_a", "https://a.example/h", ["*"], null, Profiles.Standard, "whsec_x", true, Ordering.Fifo, null, null, null, null, null, T0));
        await AppendAsync(tenantStream, new WebhookRegistered("wh_b", "https://b.example/h", ["*"], null, Profiles.Standard, "whsec_x", true, Ordering.Fifo, null, null, null, null, null, T0));
        for (var i = 0; i < 80; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(random.Next(0, 400)));
            using var data = JsonDocument.Parse($$"""{"n":{{i}}}""");
            var webhooks = i % 3 == 0 ? new[] { "wh_a", "wh_b" } : [i % 2 == 0 ? "wh_a" : "wh_b"];
            var publishedAt = clock.GetUtcNow();
            await AppendAsync(tenantStream, new EventPublished($"evt_{i:D3}", "t", data.RootElement.Clone(), null, null, null, publishedAt,
                [.. webhooks.Select(w => new PlannedDelivery($"dlv_{w}_{i:D3}", w))]));
            foreach (var webhook in webhooks)
            {
                var delivery = $"dlv_{webhook}_{i:D3}";
                var lane = Streams.Delivery(new WebhookId(webhook), null);
                facts.Add(new Fact(webhook, "created", publishedAt));
                for (var attempt = 1; ; attempt++)
                {
                    clock.Advance(TimeSpan.FromSeconds(random.Next(1, 90)));
                    var at = clock.GetUtcNow();
                    var duration = LatencyHistogram.UpperBoundsMs[random.Next(LatencyHistogram.UpperBoundsMs.Count)];
                    var roll = random.Next(10);
                    if (roll < 5)
                    {
                        await AppendAsync(lane, new AttemptSucceeded(delivery, attempt, at, duration, 200 + roll, null), new DeliveryCompleted(delivery, at));
                        facts.Add(new Fact(webhook, "attempt", at, 200 + roll, null, duration));
                        facts.Add(new Fact(webhook, "delivered", at));
                        break;
                    }
                    var (status, code) = roll switch { 5 => (503, FailureCodes.HttpStatus), 6 => (404, FailureCodes.HttpStatus), 7 => (301, FailureCodes.HttpStatus), 8 => ((int?)null, FailureCodes.Timeout), _ => (null, FailureCodes.ConnectionFailed) };
                    var last = attempt == 3;
                    await AppendAsync(lane, new AttemptFailed(delivery, attempt, at, duration, status, code, "no", null, last ? null : at.AddSeconds(5)));
                    facts.Add(new Fact(webhook, "attempt", at, status, code, duration));
                    if (last)
                    {
                        await AppendAsync(lane, new DeliveryFailed(delivery, FailureCodes.RetriesExhausted, at));
                        facts.Add(new Fact(webhook, "failed", at));
                        if (i % 4 == 0)
                        {
                            await AppendAsync(lane, new RedeliveryRequested(delivery, 2, at.AddSeconds(30)));
                            facts.Add(new Fact(webhook, "redelivered", at.AddSeconds(30)));
                        }
                        break;
                    }
                }
            }
            if (i % 9 == 0)
            {
                await runner.CatchUpAsync(CancellationToken.None);
            }
        }
        await runner.CatchUpAsync(CancellationToken.None);
        var queries = new ReadModelQueries(_database);
        var end = clock.GetUtcNow().AddMinutes(1);

        async Task<List<StatsBucketView>> SeriesAsync(string? webhook, string granularity) =>
            [.. await queries.GetStatsSeriesAsync(Tenant, webhook, granularity, T0, end, CancellationToken.None)];

        var checkedBuckets = 0;
        foreach (var granularity in StatsGranularity.All)
        {
            foreach (var webhook in new[] { "wh_a", null })
            {
                var series = await SeriesAsync(webhook, granularity);
                Assert.True(series[0].Start <= T0 && series[0].End > T0);
                Assert.True(series[^1].End >= end);
                foreach (var bucket in series)
                {
                    var inside = facts.Where(f => (webhook is null || f.WebhookId == webhook) && f.At >= bucket.Start && f.At < bucket.End).ToList();
                    var attempts = inside.Where(f => f.Kind == "attempt").ToList();
                    int Count(string kind) => inside.Count(f => f.Kind == kind);
                    int Class(int low) => attempts.Count(a => a.StatusCode >= low && a.StatusCode < low + 100);
                    Assert.Equal(
                        (Count("created"), Count("delivered"), Count("failed"), Count("redelivered"), attempts.Count, attempts.Count(a => a.FailureCode is null)),
                        ((int)bucket.DeliveriesCreated, (int)bucket.Delivered, (int)bucket.Failed, (int)bucket.Redeliveries, (int)bucket.Attempts, (int)bucket.AttemptsSucceeded));
                    Assert.Equal(
                        new AttemptStatusClasses(Class(200), Class(300), Class(400), Class(500), 0, attempts.Count(a => a.StatusCode is null)),
                        bucket.StatusClasses);
                    Assert.Equal(
                        attempts.Where(a => a.FailureCode is not null).GroupBy(a => a.FailureCode!).ToDictionary(g => g.Key, g => (long)g.Count()).OrderBy(p => p.Key),
                        bucket.FailureCodes.OrderBy(p => p.Key));
                    var sorted = attempts.Select(a => a.DurationMs).Order().ToList();
                    double? Rank(double p) => sorted.Count == 0 ? null : sorted[Math.Max(1, (int)Math.Ceiling(p * sorted.Count)) - 1];
                    Assert.Equal((Rank(0.5), Rank(0.95)), (bucket.P50LatencyMs, bucket.P95LatencyMs));
                    checkedBuckets += inside.Count > 0 ? 1 : 0;
                }
            }
        }
        var incremental = await SeriesAsync(null, StatsGranularity.Minute);
        await Runner().RebuildAsync(null, CancellationToken.None);
        var rebuilt = await SeriesAsync(null, StatsGranularity.Minute);

        Assert.True(checkedBuckets > 100, $"only {checkedBuckets} buckets had traffic");
        Assert.Equal(facts.Count(f => f.Kind == "attempt"), (int)incremental.Sum(b => b.Attempts));
        Assert.Equal(
            incremental.Select(b => (b.Start, b.Attempts, b.Delivered, b.P95LatencyMs, string.Join(",", b.FailureCodes.OrderBy(c => c.Key)))),
            rebuilt.Select(b => (b.Start, b.Attempts, b.Delivered, b.P95LatencyMs, string.Join(",", b.FailureCodes.OrderBy(c => c.Key)))));
        await Assert.ThrowsAsync<DomainException>(() => queries.GetStatsSeriesAsync(Tenant, null, StatsGranularity.Minute, T0, T0.AddDays(2), CancellationToken.None));
        Assert.All(await queries.GetStatsSeriesAsync(new TenantId("other"), null, StatsGranularity.Day, T0, end, CancellationToken.None), b => Assert.Equal(0, b.Attempts));
    }

    /// <summary>
    /// Minute buckets older than the retention are deleted and refused with a clear error; hour and day buckets keep
    /// counting that traffic.
    /// </summary>
    /// <summary>One webhook and one delivered event ten minutes after T0, another three days after it.</summary>
    private async Task AppendTwoDeliveriesThreeDaysApartAsync()
    {
        var tenantStream = Streams.Tenant(Tenant);
        await AppendAsync(tenantStream, new WebhookRegistered("wh_a", "https://a.example/h", ["*"], null, Profiles.Standard, "whsec_x", true, Ordering.Fifo, null, null, null, null, null, T0));
        var lane = Streams.Delivery(new WebhookId("wh_a"), null);
        using var data = JsonDocument.Parse("{}");
        foreach (var (n, at) in new[] { (1, T0.AddMinutes(10)), (2, T0.AddDays(3)) })
        {
            await AppendAsync(tenantStream, new EventPublished($"evt_r{n}", "t", data.RootElement.Clone(), null, null, null, at, [new PlannedDelivery($"dlv_r{n}", "wh_a")]));
            await AppendAsync(lane, new AttemptSucceeded($"dlv_r{n}", 1, at, 12, 200, null), new DeliveryCompleted($"dlv_r{n}", at));
        }
    }

    [Fact]
    public async Task A_rebuild_makes_every_index_of_the_schema_again_after_the_replay()
    {
        await WriteHistoryAsync(Runner());
        await Runner().RebuildAsync(null, CancellationToken.None);

        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = _database is SqliteReadModelDatabase
            ? "SELECT name FROM sqlite_master WHERE type = 'index'"
            : "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()";
        var indexes = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                indexes.Add(reader.GetString(0));
            }
        }
        Assert.NotEmpty(_database.SecondaryIndexNames);
        Assert.All(_database.SecondaryIndexNames, name => Assert.Contains(name, indexes));
    }

    [Fact]
    public async Task Minute_buckets_already_past_their_retention_are_not_written_while_hours_and_days_count_them()
    {
        var clock = new FakeTimeProvider(T0.AddDays(3).AddMinutes(30));
        var retention = new StatsRetention(TimeSpan.FromDays(2), clock);
        await AppendTwoDeliveriesThreeDaysApartAsync();

        await new ProjectionRunner(_store, _database, LedgerProjections.All(retention)).RebuildAsync(null, CancellationToken.None);

        var unlimited = new ReadModelQueries(_database);
        async Task<long> AttemptsAsync(string granularity, DateTimeOffset since, DateTimeOffset until) =>
            (await unlimited.GetStatsSeriesAsync(Tenant, "wh_a", granularity, since, until, CancellationToken.None)).Sum(b => b.Attempts);
        Assert.Equal(0, await AttemptsAsync(StatsGranularity.Minute, T0, T0.AddHours(1)));
        Assert.Equal(1, await AttemptsAsync(StatsGranularity.Minute, T0.AddDays(3).AddHours(-1), T0.AddDays(3).AddHours(1)));
        Assert.Equal(2, await AttemptsAsync(StatsGranularity.Hour, T0, T0.AddDays(4)));
        Assert.Equal(2, await AttemptsAsync(StatsGranularity.Day, T0, T0.AddDays(4)));
        Assert.Equal(0, await new ReadModelQueries(_database, retention).PruneMinuteStatsAsync(retention.MinuteCutoffMicros(), CancellationToken.None));
    }

    [Fact]
    public async Task Minute_buckets_past_their_retention_are_pruned_and_refused_while_hours_keep_counting_them()
    {
        var clock = new FakeTimeProvider(T0);
        await AppendTwoDeliveriesThreeDaysApartAsync();
        await Runner().CatchUpAsync(CancellationToken.None);
        clock.SetUtcNow(T0.AddDays(3).AddMinutes(30));
        var retention = new StatsRetention(TimeSpan.FromDays(2), clock);
        var queries = new ReadModelQueries(_database, retention);
        var unlimited = new ReadModelQueries(_database);
        async Task<long> AttemptsAsync(ReadModelQueries q, string granularity, DateTimeOffset since, DateTimeOffset until) =>
            (await q.GetStatsSeriesAsync(Tenant, "wh_a", granularity, since, until, CancellationToken.None)).Sum(b => b.Attempts);

        Assert.Equal(1, await AttemptsAsync(unlimited, StatsGranularity.Minute, T0, T0.AddHours(1)));
        Assert.True(await queries.PruneMinuteStatsAsync(retention.MinuteCutoffMicros(), CancellationToken.None) > 0);

        Assert.Equal(0, await AttemptsAsync(unlimited, StatsGranularity.Minute, T0, T0.AddHours(1)));
        var refused = await Assert.ThrowsAsync<DomainException>(() => queries.GetStatsSeriesAsync(Tenant, "wh_a", StatsGranularity.Minute, T0, T0.AddHours(1), CancellationToken.None));
        Assert.Equal((ErrorCodes.ValidationFailed, "since"), (refused.Code, refused.Field));
        Assert.Contains("HOUR", refused.Message, StringComparison.Ordinal);
        var sinceRetention = clock.GetUtcNow() - retention.MinuteRetention;
        Assert.Equal(0, await AttemptsAsync(queries, StatsGranularity.Minute, sinceRetention, sinceRetention.AddHours(1)));
        Assert.Equal(1, await AttemptsAsync(queries, StatsGranularity.Minute, clock.GetUtcNow().AddHours(-20), clock.GetUtcNow()));
        Assert.Equal(2, await AttemptsAsync(queries, StatsGranularity.Hour, T0, T0.AddDays(4)));
        Assert.Equal(2, await AttemptsAsync(queries, StatsGranularity.Day, T0, T0.AddDays(4)));
        Assert.Equal(0, await queries.PruneMinuteStatsAsync(retention.MinuteCutoffMicros(), CancellationToken.None));
    }

    [Fact]
    public async Task An_old_ledgers_commands_read_into_the_audit_trail_without_an_actor_and_new_ones_name_theirs()
    {
        var runner = Runner();
        await WriteHistoryAsync(runner);
        // As written before keys had ids and commands had actors.
        await _store.AppendAsync(Streams.ApiKeys, ExpectedVersion.Any,
            new NewEvent("apikey.created.v1", """{"tenantId":"acme","keyHash":"00ab","keyPrefix":"old_key_","createdAt":"2026-05-02T12:00:00+00:00"}""", T0),
            CancellationToken.None);
        await AppendAsync(Streams.Tenant(Tenant), new PortalTokenRevoked("pt_1", T0.AddHours(5), "ak_new", "192.0.2.1"));
        await AppendAsync(Streams.Tenant(new TenantId("other")), new PortalTokenRevoked("pt_2", T0.AddHours(5), "ak_other", "192.0.2.2"));
        await runner.CatchUpAsync(CancellationToken.None);
        var queries = new ReadModelQueries(_database);

        var trail = (await queries.ListAuditAsync(Tenant, null, null, 250, null, CancellationToken.None)).Data;

        Assert.Equal(
            [
                ("portal-token.revoked", "pt_1", "ak_new", "192.0.2.1"),
                ("api-key.created", ApiKeyIds.Legacy(0, T0), null, null),
                ("webhook.deleted", "wh_b", null, null),
                ("webhook.secret-rotated", "wh_a", null, null),
                ("webhook.disabled", "wh_b", null, null),
                ("delivery.redelivered", "dlv_a000", null, null),
                ("webhook.created", "wh_b", null, null),
                ("webhook.created", "wh_a", null, null),
            ],
            trail.Select(a => (a.Action, a.Subject, a.Actor, a.Ip)));
        var byActor = await queries.ListAuditAsync(Tenant, null, "ak_new", 250, null, CancellationToken.None);
        Assert.Equal(["pt_1"], byActor.Data.Select(a => a.Subject));
        var firstPage = await queries.ListAuditAsync(Tenant, null, null, 3, null, CancellationToken.None);
        var secondPage = await queries.ListAuditAsync(Tenant, null, null, 250, firstPage.NextCursor, CancellationToken.None);
        Assert.Equal(trail.Select(a => a.Position), [.. firstPage.Data.Select(a => a.Position), .. secondPage.Data.Select(a => a.Position)]);
        Assert.Equal(["pt_2"], (await queries.ListAuditAsync(new TenantId("other"), null, null, 250, null, CancellationToken.None)).Data.Select(a => a.Subject));
        Assert.Equal(trail.Count, (await queries.ListAuditAsync(Tenant, T0, null, 250, null, CancellationToken.None)).Data.Count);
        Assert.Empty((await queries.ListAuditAsync(Tenant, T0.AddSeconds(1), null, 250, null, CancellationToken.None)).Data);
    }

    [Fact]
    public async Task The_registry_follows_configuration_after_each_commit()
    {
        var registry = new WebhookRegistry();
        await WriteHistoryAsync(Runner(registry));

        var reloaded = new WebhookRegistry();
        await reloaded.LoadAsync(_database, CancellationToken.None);

        foreach (var r in new[] { registry, reloaded })
        {
            Assert.Equal(["wh_a"], r.OfTenant(Tenant).Select(w => w.WebhookId));
            Assert.Equal(["whsec_y", "whsec_x"], r.Find("wh_a")!.SigningSecrets(T0.AddHours(2.5)));
            Assert.True(r.Find("wh_b")!.Deleted);
        }
    }
}

public sealed class SqliteProjectionTests : ProjectionTests
{
    private readonly TempDirectory _directory = new("ledger-projections");

    protected override Task<(IEventStore Store, ReadModelDatabase Database)> OpenAsync() =>
        Task.FromResult<(IEventStore, ReadModelDatabase)>(
            (SqliteEventStore.Open(_directory.File("ledger.db")), new SqliteReadModelDatabase(_directory.File("ledger.read.db"))));

    protected override Task CloseAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Both on the test PostgreSQL server: a ledger schema and a read-model schema per test, dropped with the class.</summary>
public sealed class PostgresProjectionTests(PostgresFixture postgres) : ProjectionTests, IClassFixture<PostgresFixture>
{
    protected override async Task<(IEventStore Store, ReadModelDatabase Database)> OpenAsync() =>
        (await PostgresEventStore.CreateAsync(postgres.ConnectionString, postgres.NewSchema()),
            new PostgresReadModelDatabase(postgres.ConnectionString, postgres.NewSchema()));
}
