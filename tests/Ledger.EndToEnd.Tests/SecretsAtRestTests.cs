using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Sqlite;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// docs/operations.md: webhook secrets are stored encrypted under the master key. Embedded storage is where a grep of the
/// files is possible, so these run on SQLite; the PostgreSQL runs of the delivery suites use a configured key.
/// </summary>
public sealed class SecretsAtRestTests
{
    [Fact]
    public async Task Secrets_given_at_create_and_made_by_rotate_are_in_no_storage_file_and_not_in_the_log()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var server = await LedgerServer.StartAsync(StorageKind.Sqlite);
        var client = server.Client();
        var given = "given_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var generic = await client.CreateWebhookAsync(new { url = receiver.Url("/generic"), profile = "generic", secret = given, events = new[] { "rest.test" } });
        var standard = await client.CreateWebhookAsync(new { url = receiver.Url("/standard"), events = new[] { "rest.test" } });
        var generated = standard.GetProperty("secret").GetString()!;
        var rotated = (await (await client.PostAsJsonAsync($"/v1/webhooks/{generic.Id()}/rotate-secret", new { overlapHours = 1 })).JsonAsync(200))
            .GetProperty("secret").GetString()!;

        await client.PublishAsync(new { type = "rest.test", data = new { n = 1 } });
        var requests = await receiver.WaitForCountAsync(2);
        var toGeneric = requests.Single(r => r.Path == "/generic");
        var stream = await client.GetStringAsync(new Uri("/v1/ledger/streams/tenant-default", UriKind.Relative));
        await server.KillAsync();

        Assert.True(await WireVerifier.VerifiesAsync(toGeneric, "generic", rotated, withPrevious: false));
        Assert.True(await WireVerifier.VerifiesAsync(toGeneric, "generic", given));
        Assert.True(await WireVerifier.VerifiesAsync(requests.Single(r => r.Path == "/standard"), "standard", generated));
        string[] secrets = [given, generated, rotated];
        Assert.DoesNotContain(secrets, stream.Contains);
        Assert.DoesNotContain(secrets, server.Output.Contains);
        var files = Directory.GetFiles(server.DataDirectory, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("-wal", StringComparison.Ordinal));
        Assert.Contains(files, f => Contains(f, SecretSealedMark));
        foreach (var file in files)
        {
            Assert.DoesNotContain(secrets, s => Contains(file, s));
        }
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(server.DataDirectory, "ledger.master.key")));
        }
    }

    [Fact]
    public async Task A_ledger_written_before_encryption_keeps_delivering_and_never_shows_its_old_plain_secret()
    {
        await using var receiver = await Receiver.StartAsync();
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, "ledger.db");
        var webhookId = new IdGenerator(TimeProvider.System).NewWebhookId().Value;
        var oldSecret = "plain_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using (var store = SqliteEventStore.Open(path))
        {
            // What the server wrote before secrets were encrypted: the secret itself in webhook.registered.v1.
            var now = DateTimeOffset.UtcNow;
            var registered = new WebhookRegistered(
                webhookId, receiver.Url("/old"), ["*"], null, Profiles.Generic, oldSecret, true, Ordering.Fifo, null, null, null, null, null, now);
            await store.AppendAsync(Streams.Tenant(TenantId.Default), ExpectedVersion.Any, EventSerializer.ToNew(registered, now));
        }

        await using var server = await LedgerServer.StartAsync(StorageKind.Sqlite, new Dictionary<string, string> { ["Ledger__Storage__Sqlite__Path"] = path });
        var client = server.Client();
        await client.PublishAsync(new { type = "upgrade.test", data = new { n = 1 } });
        var first = (await receiver.WaitForCountAsync(1))[0];
        var rotated = (await (await client.PostAsJsonAsync($"/v1/webhooks/{webhookId}/rotate-secret", new { overlapHours = 1 })).JsonAsync(200))
            .GetProperty("secret").GetString()!;
        await client.PublishAsync(new { type = "upgrade.test", data = new { n = 2 } });
        var second = (await receiver.WaitForCountAsync(2))[1];
        string[] shown =
        [
            await client.GetStringAsync(new Uri("/v1/ledger/streams/tenant-default", UriKind.Relative)),
            await client.GetStringAsync(new Uri($"/v1/webhooks/{webhookId}", UriKind.Relative)),
            await client.GetStringAsync(new Uri("/v1/webhooks", UriKind.Relative)),
            await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
        ];
        await server.KillAsync();

        Assert.True(await WireVerifier.VerifiesAsync(first, "generic", oldSecret));
        Assert.True(await WireVerifier.VerifiesAsync(second, "generic", rotated, withPrevious: false));
        Assert.True(await WireVerifier.VerifiesAsync(second, "generic", oldSecret));
        Assert.DoesNotContain(shown, s => s.Contains(oldSecret, StringComparison.Ordinal) || s.Contains(rotated, StringComparison.Ordinal));
        Assert.DoesNotContain(oldSecret, server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(rotated, server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetFiles(data.Path), f => Contains(f, rotated));
        Assert.True(File.Exists(Path.Combine(data.Path, "ledger.master.key")));
    }

    [Fact]
    public async Task Master_key_rotation_adds_new_wraps_and_every_webhook_still_delivers_and_verifies()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var server = await LedgerServer.StartAsync(StorageKind.Sqlite);
        var client = server.Client();
        var given = "given_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await client.CreateWebhookAsync(new { url = receiver.Url("/generic"), profile = "generic", secret = given });
        var standard = (await client.CreateWebhookAsync(new { url = receiver.Url("/standard") })).GetProperty("secret").GetString()!;
        await client.CreateWebhookAsync(new { url = receiver.Url("/kepler"), profile = "kepler", filters = new { identifier = "distribute" } });
        var address = (await new HttpClient { BaseAddress = server.BaseAddress }.GetFromJsonAsync<JsonElement>("/v1/signing-keys")).GetProperty("address").GetString()!;
        var keyFile = Path.Combine(server.DataDirectory, "ledger.master.key");
        var oldKey = await File.ReadAllTextAsync(keyFile);
        await server.KillAsync();
        var keyringBefore = await ReadStreamAsync(server, Streams.KeyRing);

        var output = await server.RunVerbAsync("secrets", "rotate-master-key");
        await server.RestartAsync();
        await server.Client().PublishAsync(new { type = "mx.event", data = new { identifier = "distribute", topics = Array.Empty<string>() } });
        var requests = await receiver.WaitForCountAsync(3);
        await server.KillAsync();
        var keyringAfter = await ReadStreamAsync(server, Streams.KeyRing);

        Assert.Contains("Re-wrapped 2 data key(s)", output, StringComparison.Ordinal);
        Assert.NotEqual(oldKey, await File.ReadAllTextAsync(keyFile));
        Assert.Single(Directory.GetFiles(server.DataDirectory, "ledger.master.key.*.retired"));
        Assert.Equal(keyringBefore, keyringAfter.Take(keyringBefore.Count));
        Assert.Equal(["keyring.data-key-rewrapped.v1", "keyring.data-key-rewrapped.v1"], keyringAfter.Skip(keyringBefore.Count).Select(e => e.Type));
        Assert.True(await WireVerifier.VerifiesAsync(requests.Single(r => r.Path == "/generic"), "generic", given));
        Assert.True(await WireVerifier.VerifiesAsync(requests.Single(r => r.Path == "/standard"), "standard", standard));
        Assert.True(await WireVerifier.VerifiesAsync(requests.Single(r => r.Path == "/kepler"), "kepler", address));
    }

    [Fact]
    public async Task A_server_given_another_master_key_refuses_to_start_with_one_line()
    {
        await using var server = await LedgerServer.StartAsync(StorageKind.Sqlite);
        await server.Client().CreateWebhookAsync(new { url = "http://127.0.0.1:9/hook", profile = "generic" });
        await server.KillAsync();
        var settings = new Dictionary<string, string>(server.StorageSettings)
        {
            ["Ledger__Secrets__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };

        var run = await LedgerServer.RunBinaryAsync(settings, "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is not this ledger's", Assert.Single(run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    private const string SecretSealedMark = "sealed:v1:";

    private static bool Contains(string file, string text)
    {
        var bytes = File.ReadAllBytes(file);
        return bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
    }

    private static async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(LedgerServer server, string stream)
    {
        await using var store = SqliteEventStore.Open(server.StorageSettings["Ledger__Storage__Sqlite__Path"]);
        return await store.ReadStreamAsync(stream);
    }
}
