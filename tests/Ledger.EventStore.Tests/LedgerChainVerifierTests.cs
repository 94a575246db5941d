using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ledger.EventStore.Sqlite;
using Ledger.TestSupport;
using Microsoft.Data.Sqlite;

namespace Ledger.EventStore.Tests;

/// <summary>
/// <see cref="LedgerChainVerifier"/> on a real SQLite ledger that holds hash-version-1 events (written by the rule of
/// before version 2) followed by version-2 ones, intact and then changed behind the store's back.
/// </summary>
public sealed class LedgerChainVerifierTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new("ledger-verify");

    private string LedgerPath => _directory.File("ledger.db");

    public void Dispose() => _directory.Dispose();

    /// <summary>Stream <c>old-1</c>: versions 0–1 at hash version 1, version 2 at hash version 2; streams <c>new-0..2</c>: 3 events each.</summary>
    private async Task WriteMixedLedgerAsync()
    {
        await VersionOneSqliteLedger.WriteAsync(LedgerPath, "old-1", "test.v1", [T0, T0.AddSeconds(1)]);
        await using var store = SqliteEventStore.Open(LedgerPath);
        await store.AppendAsync("old-1", ExpectedVersion.At(1), new NewEvent("test.v1", """{"n":2}""", T0.AddSeconds(2)));
        for (var round = 0; round < 3; round++)
        {
            for (var s = 0; s < 3; s++)
            {
                await store.AppendAsync($"new-{s}", ExpectedVersion.Any, new NewEvent("test.v1", $$"""{"s":{{s}},"r":{{round}}}""", T0.AddMinutes(round)));
            }
        }
    }

    private async Task<LedgerVerification> VerifyAsync()
    {
        await using var store = SqliteEventStore.Open(LedgerPath);
        var reported = new List<long>();
        var result = await LedgerChainVerifier.VerifyAsync(store, new Progress(reported), CancellationToken.None);
        Assert.All(reported, p => Assert.InRange(p, 1, result.HeadPosition));
        return result;
    }

    private void Tamper(string sql)
    {
        using var raw = new SqliteConnection($"Data Source={LedgerPath};Pooling=False");
        raw.Open();
        Execute(raw, sql);
    }

    [Fact]
    public async Task Ledger_with_both_hash_versions_verifies_and_counts_each()
    {
        await WriteMixedLedgerAsync();

        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Problem);
        Assert.Equal((12L, 4, 2L, 10L, 12L), (result.Events, result.Streams, result.Version1Events, result.Version2Events, result.HeadPosition));
    }

    [Theory]
    [InlineData("UPDATE events SET data = '{\"n\":9}' WHERE stream_id = 'old-1' AND version = 1", "old-1@1 (position 2): its hash (version 1)")]
    [InlineData("UPDATE events SET data = '{\"s\":1,\"r\":7}' WHERE stream_id = 'new-1' AND version = 1", "new-1@1 (position 8): its hash (version 2)")]
    [InlineData("UPDATE events SET type = 'other.v1' WHERE stream_id = 'old-1' AND version = 2", "old-1@2 (position 3): its hash")]
    [InlineData("DELETE FROM events WHERE stream_id = 'new-2' AND version = 1", "new-2@2 (position 12): version 1 was expected")]
    [InlineData("UPDATE events SET occurred_at = occurred_at + 1 WHERE stream_id = 'new-0' AND version = 0", "new-0@0 (position 4): its hash")]
    public async Task A_change_behind_the_stores_back_names_the_first_bad_event(string tamper, string problem)
    {
        await WriteMixedLedgerAsync();
        Tamper(tamper);

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.StartsWith(problem, result.Problem, StringComparison.Ordinal);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed class Progress(List<long> reported) : IProgress<long>
    {
        public void Report(long value) => reported.Add(value);
    }
}
