using Ledger.EventStore;
using Ledger.EventStore.Sqlite;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// <c>backup</c> and <c>restore</c> of an embedded ledger, taken while the server runs: the restored ledger is the
/// same ledger (events and hash chains), and a server on it serves the same webhooks and deliveries.
/// </summary>
public sealed class BackupRestoreTests
{
    [Fact]
    public async Task A_backup_taken_while_the_server_runs_restores_the_same_ledger_and_serves_the_same_deliveries()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var server = await LedgerServer.StartAsync(StorageKind.Sqlite);
        var client = server.Client();
        var webhook = await client.CreateWebhookAsync(new { url = receiver.Url(), retrySchedule = Array.Empty<int>() });
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await client.PublishAsync(new { type = "backup.test", data = new { i } })).FirstDeliveryId());
        }
        foreach (var id in ids)
        {
            await client.WaitForStatusAsync(id, "delivered");
        }
        var backup = Path.Combine(server.DataDirectory, "backups", "ledger.backup");

        var backedUp = await server.RunVerbAsync("backup", backup);
        var webhooksBefore = await client.GetStringAsync($"/v1/webhooks/{webhook.Id()}");
        var deliveriesBefore = await Task.WhenAll(ids.Select(id => client.GetStringAsync($"/v1/deliveries/{id}")));
        await server.KillAsync();

        var restoredLedger = Path.Combine(server.DataDirectory, "restored", "ledger.db");
        var restoredSettings = new Dictionary<string, string> { ["Ledger__Storage__Sqlite__Path"] = restoredLedger };
        var restore = await LedgerServer.RunBinaryAsync(restoredSettings, "restore", backup);
        Assert.True(restore.ExitCode == 0, restore.Errors);
        Assert.Contains("read models are not in the backup", backedUp, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup + ".masterkey"));
        }
        Assert.Equal(File.ReadAllText(Path.Combine(server.DataDirectory, "ledger.master.key")), File.ReadAllText(Path.Combine(server.DataDirectory, "restored", "ledger.master.key")));
        Assert.Contains("Rebuilt from", restore.Output, StringComparison.Ordinal);

        var original = await ReadLedgerAsync(Path.Combine(server.DataDirectory, "ledger.db"));
        var restored = await ReadLedgerAsync(restoredLedger);
        Assert.Equal(original, restored);
        foreach (var stream in restored.GroupBy(e => e.StreamId))
        {
            Assert.True(EventHash.VerifyChain(stream.OrderBy(e => e.Version), out var problem), problem);
        }

        await using var onRestored = await LedgerServer.StartAsync(StorageKind.Sqlite, restoredSettings);
        var restoredClient = onRestored.Client();
        Assert.Equal(webhooksBefore, await restoredClient.GetStringAsync($"/v1/webhooks/{webhook.Id()}"));
        Assert.Equal(deliveriesBefore, await Task.WhenAll(ids.Select(id => restoredClient.GetStringAsync($"/v1/deliveries/{id}"))));
    }

    [Fact]
    public async Task Restore_refuses_to_overwrite_a_ledger_without_force_and_while_its_server_runs()
    {
        await using var server = await LedgerServer.StartAsync(StorageKind.Sqlite);
        await server.Client().CreateWebhookAsync(new { url = "http://127.0.0.1:9/hook" });
        var backup = Path.Combine(server.DataDirectory, "ledger.backup");
        await server.RunVerbAsync("backup", backup);

        var whileRunning = await LedgerServer.RunBinaryAsync(server.StorageSettings, "restore", backup, "--force");
        await server.KillAsync();
        var withoutForce = await LedgerServer.RunBinaryAsync(server.StorageSettings, "restore", backup);
        var secondBackup = await LedgerServer.RunBinaryAsync(server.StorageSettings, "backup", backup);
        var forced = await LedgerServer.RunBinaryAsync(server.StorageSettings, "restore", backup, "--force");

        Assert.Equal(1, whileRunning.ExitCode);
        Assert.Contains("a Ledger server is running", whileRunning.Errors, StringComparison.Ordinal);
        Assert.Equal(1, withoutForce.ExitCode);
        Assert.Contains("--force", withoutForce.Errors, StringComparison.Ordinal);
        Assert.Equal(1, secondBackup.ExitCode);
        Assert.Contains("never overwrites", secondBackup.Errors, StringComparison.Ordinal);
        Assert.True(forced.ExitCode == 0, forced.Errors);
    }

    [Fact]
    public async Task Backup_on_postgres_points_to_pg_dump()
    {
        await using var server = await LedgerServer.StartAsync(StorageKind.Postgres);

        var run = await LedgerServer.RunBinaryAsync(server.StorageSettings, "backup", Path.Combine(server.DataDirectory, "x.backup"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"pg_dump -Fc -n {server.PostgresSchema} -n {server.PostgresSchema}_read", run.Errors, StringComparison.Ordinal);
    }

    private static async Task<List<StoredEvent>> ReadLedgerAsync(string path)
    {
        await using var store = SqliteEventStore.Open(path);
        var events = new List<StoredEvent>();
        for (long after = 0; ;)
        {
            var batch = await store.ReadAllAsync(after, 5000);
            if (batch.Count == 0)
            {
                return events;
            }
            events.AddRange(batch);
            after = batch[^1].Position;
        }
    }
}
