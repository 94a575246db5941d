using System.Text;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Keys.Tests;

public sealed class KeyRingTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("ledger-keys");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
    private SqliteEventStore _store = null!;

    private string LedgerPath => _directory.File("ledger.db");

    public Task InitializeAsync()
    {
        _store = SqliteEventStore.Open(LedgerPath);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Rings_racing_for_a_tenants_first_secret_agree_on_one_data_key()
    {
        var source = MasterKeySource.From(new SecretsOptions(), LedgerPath);
        var rings = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => KeyRing.OpenAsync(_store, source, _time, default)));

        var keys = await Task.WhenAll(rings.Select(r => r.ForScopeAsync("acme", default).AsTask()));

        Assert.Single(keys.Select(k => k.KeyId).Distinct());
        Assert.Single(await _store.ReadStreamAsync(Streams.KeyRing));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(source.KeyFile!));
        }
    }

    [Fact]
    public async Task A_sealed_secret_opens_only_for_its_own_tenant_and_webhook()
    {
        var secrets = new WebhookSecrets(await OpenAsync());
        var sealedSecret = await secrets.SealAsync(new TenantId("acme"), "wh_1", "the-secret-0123456789", default);

        Assert.StartsWith(SecretBox.Prefix, sealedSecret, StringComparison.Ordinal);
        Assert.DoesNotContain("the-secret", sealedSecret, StringComparison.Ordinal);
        Assert.Equal("the-secret-0123456789", await secrets.RevealAsync("acme", "wh_1", sealedSecret, default));
        Assert.Equal("plain-from-before", await secrets.RevealAsync("acme", "wh_1", "plain-from-before", default));
        await Assert.ThrowsAsync<CryptographicSealException>(() => secrets.RevealAsync("acme", "wh_2", sealedSecret, default).AsTask());
        await Assert.ThrowsAsync<CryptographicSealException>(() => secrets.RevealAsync("globex", "wh_1", sealedSecret, default).AsTask());
    }

    [Fact]
    public async Task After_master_key_rotation_only_the_new_key_opens_the_ring_and_secrets_stay_readable()
    {
        var oldKey = MasterKey.Generate();
        var ring = await OpenAsync(oldKey);
        var sealedSecret = await new WebhookSecrets(ring).SealAsync(new TenantId("acme"), "wh_1", "the-secret-0123456789", default);
        var before = await _store.ReadStreamAsync(Streams.KeyRing);
        var newKey = MasterKey.Generate();

        Assert.Equal(1, await ring.RotateMasterKeyAsync(newKey, default));

        var after = await _store.ReadStreamAsync(Streams.KeyRing);
        Assert.Equal(before, after.Take(before.Count));
        var rotated = await OpenAsync(newKey);
        Assert.Equal("the-secret-0123456789", await new WebhookSecrets(rotated).RevealAsync("acme", "wh_1", sealedSecret, default));
        Assert.Contains("was rotated", (await Assert.ThrowsAsync<KeyConfigurationException>(() => OpenAsync(oldKey))).Message, StringComparison.Ordinal);
        Assert.Contains("is not this ledger's", (await Assert.ThrowsAsync<KeyConfigurationException>(() => OpenAsync(MasterKey.Generate()))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_key_file_beside_a_ledger_with_keys_stops_the_start_instead_of_making_a_new_one()
    {
        var source = MasterKeySource.From(new SecretsOptions(), LedgerPath);
        await (await KeyRing.OpenAsync(_store, source, _time, default)).ForScopeAsync("acme", default);
        File.Delete(source.KeyFile!);

        var refused = await Assert.ThrowsAsync<KeyConfigurationException>(() => KeyRing.OpenAsync(_store, source, _time, default));

        Assert.Contains("is missing", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(source.KeyFile));
    }

    [Fact]
    public void Postgres_without_a_master_key_is_refused_with_what_to_set()
    {
        var refused = Assert.Throws<KeyConfigurationException>(() => MasterKeySource.From(new SecretsOptions(), embeddedLedgerPath: null));
        var malformed = Assert.Throws<KeyConfigurationException>(() => MasterKeySource.From(new SecretsOptions { MasterKey = Convert.ToBase64String(new byte[16]) }, null));

        Assert.Contains("Ledger__Secrets__MasterKey", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Contains("32 random bytes", malformed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_keys_overlap_for_the_given_hours_then_the_old_one_is_no_longer_listed()
    {
        var keys = new SigningKeys(_store, await OpenAsync(), _time);
        await keys.EnsureAsync(default);
        await keys.EnsureAsync(default);
        var first = Assert.Single(await keys.ListAsync(default));

        var second = await keys.RotateAsync(2, default);
        var during = await keys.ListAsync(default);
        var signatures = await keys.SignMultiversXAsync(Encoding.UTF8.GetBytes("{}"), _time.GetUtcNow(), default);
        _time.Advance(TimeSpan.FromHours(2) + SigningKeys.RefreshInterval);
        var after = await keys.ListAsync(default);

        Assert.Equal([second.PublicKey, first.PublicKey], during.Select(k => k.PublicKey));
        Assert.Equal([true, false], during.Select(k => k.Active));
        Assert.Equal(2, signatures.Count);
        Assert.Equal(second.PublicKey, Assert.Single(after).PublicKey);
        Assert.Equal(2, (await _store.ReadStreamAsync(Streams.SigningKeys)).Count);
    }

    private Task<KeyRing> OpenAsync(MasterKey? key = null) =>
        KeyRing.OpenAsync(_store, MasterKeySource.From(new SecretsOptions { MasterKey = key is null ? null : KeyText(key) }, LedgerPath), _time, default);

    private string KeyText(MasterKey key)
    {
        var path = _directory.File(key.Id + ".key");
        if (!File.Exists(path))
        {
            key.WriteFile(path);
        }
        return File.ReadAllText(path);
    }
}
