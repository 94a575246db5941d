using Ledger.Domain;
using Ledger.Domain.Portal;
using Ledger.EventStore;
using Ledger.EventStore.Sqlite;
using Ledger.Projections.Portal;
using Ledger.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Projections.Tests;

/// <summary>Portal tokens in force, folded from the tenant streams through the read model, with a fake clock for expiry.</summary>
public sealed class PortalTokenRegistryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new("ledger-portal-tokens");
    private readonly FakeTimeProvider _time = new(T0);
    private IEventStore _store = null!;
    private ReadModelDatabase _database = null!;

    public Task InitializeAsync()
    {
        _store = SqliteEventStore.Open(_directory.File("ledger.db"));
        _database = new SqliteReadModelDatabase(_directory.File("ledger.read.db"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_token_authenticates_until_it_expires_and_its_end_signal_fires_then()
    {
        var registry = new PortalTokenRegistry(_time);
        var runner = Runner(registry);
        var token = PortalTokens.NewToken();
        await AppendAsync("acme", Created("pt_1", token, ["wh_a"], 60));
        await runner.CatchUpAsync(CancellationToken.None);

        var state = registry.Authenticate(token);
        var ended = registry.Ended("pt_1");

        Assert.NotNull(state);
        Assert.Equal("acme", state.TenantId);
        Assert.True(state.Scope.Sees("wh_a"));
        Assert.False(state.Scope.Sees("wh_b"));
        Assert.False(ended.IsCancellationRequested);
        Assert.Null(registry.Authenticate(token + "x"));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(registry.Authenticate(token));
        Assert.False(ended.IsCancellationRequested);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(registry.Authenticate(token));
        Assert.True(ended.IsCancellationRequested);
    }

    [Fact]
    public async Task Revoking_ends_a_token_at_once_and_a_restarted_server_loads_only_tokens_in_force()
    {
        var registry = new PortalTokenRegistry(_time);
        var runner = Runner(registry);
        string kept = PortalTokens.NewToken(), revoked = PortalTokens.NewToken(), shortLived = PortalTokens.NewToken();
        await AppendAsync("acme", Created("pt_kept", kept, null, 3600), Created("pt_revoked", revoked, null, 3600), Created("pt_short", shortLived, ["wh_a"], 60));
        await runner.CatchUpAsync(CancellationToken.None);
        var ended = registry.Ended("pt_revoked");

        await AppendAsync("acme", new PortalTokenRevoked("pt_revoked", T0));
        await runner.CatchUpAsync(CancellationToken.None);

        Assert.True(ended.IsCancellationRequested);
        Assert.Null(registry.Authenticate(revoked));
        Assert.NotNull(registry.Find(new TenantId("acme"), "pt_revoked")?.RevokedAt);
        Assert.Null(registry.Find(new TenantId("other"), "pt_kept"));

        _time.Advance(TimeSpan.FromMinutes(2));
        var restarted = new PortalTokenRegistry(_time);
        await restarted.LoadAsync(_database, CancellationToken.None);
        Assert.NotNull(restarted.Authenticate(kept));
        Assert.Null(restarted.Authenticate(revoked));
        Assert.Null(restarted.Authenticate(shortLived));
        Assert.True(restarted.Ended("pt_revoked").IsCancellationRequested);
    }

    [Fact]
    public void The_longest_lifetime_fits_the_system_clocks_timer()
    {
        var registry = new PortalTokenRegistry(TimeProvider.System);
        var token = PortalTokens.NewToken();
        var created = PortalTokens.Create(
            "pt_long", PortalTokens.Hash(token), null, ["read"], PortalTokens.MaxExpiresInSeconds, _ => true, TimeProvider.System.GetUtcNow());
        var stored = new StoredEvent("tenant-acme", 0, 1, "portal-token.created.v1", created.CreatedAt, "{}", "", null);

        registry.OnCommitted([(stored, created)], 1);

        Assert.NotNull(registry.Authenticate(token));
        Assert.False(registry.Ended("pt_long").IsCancellationRequested);
    }

    private ProjectionRunner Runner(PortalTokenRegistry registry) => new(_store, _database, [new PortalTokensProjection()], [registry]);

    private PortalTokenCreated Created(string id, string token, IReadOnlyList<string>? webhookIds, int seconds) =>
        PortalTokens.Create(id, PortalTokens.Hash(token), webhookIds, ["read"], seconds, _ => true, _time.GetUtcNow());

    private async Task AppendAsync(string tenant, params ILedgerEvent[] events) =>
        await _store.AppendAsync([new StreamAppend(Streams.Tenant(new TenantId(tenant)), ExpectedVersion.Any, [.. events.Select(e => EventSerializer.ToNew(e, T0))])]);
}
