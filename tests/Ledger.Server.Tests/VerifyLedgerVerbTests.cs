using Microsoft.Data.Sqlite;

namespace Ledger.Server.Tests;

/// <summary><c>verify --ledger</c> on a real server's live SQLite ledger: intact, then with one event changed behind the server's back.</summary>
public sealed class VerifyLedgerVerbTests(RealServer real) : IClassFixture<RealServer>
{
    [Fact]
    public async Task Verify_ledger_passes_on_the_live_ledger_and_names_the_first_changed_event()
    {
        var server = real.Server;
        using var client = server.Client();
        await client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/verify", retrySchedule = Array.Empty<int>() });
        var eventId = (await client.PublishAsync(new { type = "order.created", data = new { amount = "100" } })).Id();

        var intact = await LedgerServer.RunBinaryAsync(server.StorageSettings, "verify", "--ledger");
        Assert.True(intact.ExitCode == 0, intact.Output + intact.Errors);
        var summary = intact.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Matches(@"^Ledger intact: [\d,]+ events in [\d,]+ streams \(0 hash version 1, [\d,]+ version 2\) in [\d.]+ s \([\d,]+ events/s\)\.$", summary);

        await using (var connection = new SqliteConnection($"Data Source={server.StorageSettings["Ledger__Storage__Sqlite__Path"]};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE events SET data = replace(data, '\"100\"', '\"900\"') WHERE type = 'event.published.v1' AND data LIKE $id";
            command.Parameters.AddWithValue("$id", $"%{eventId}%");
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var changed = await LedgerServer.RunBinaryAsync(server.StorageSettings, "verify", "--ledger");
        Assert.Equal(1, changed.ExitCode);
        Assert.Matches(@"^Ledger NOT intact: tenant-default@\d+ \(position \d+\): its hash \(version 2\) does not match", changed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }
}
