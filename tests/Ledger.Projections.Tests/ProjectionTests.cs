using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Postgres;
using Ledger.EventStore.Sqlite;
using Ledger.Projections;
using Ledger.TestSupport;

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
        new(_store, _database, [new WebhooksProjection(), new EventsProjection(), new DeliveriesProjection()], observers) { BatchSize = 7 };

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
