using System.Text.Json;
using Npgsql;

namespace Ledger.EndToEnd.Tests;

/// <summary>The server's signing key on PostgreSQL: created once by instances starting together; no master key, no start.</summary>
public sealed class SigningKeyStartupTests
{
    [Fact]
    public async Task Two_instances_starting_together_end_with_one_signing_key()
    {
        var servers = await LedgerServer.StartTogetherAsync(StorageKind.Postgres, 2);
        try
        {
            var answers = new List<JsonElement>();
            foreach (var server in servers)
            {
                using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
                answers.Add(await (await anonymous.GetAsync("/v1/signing-keys")).JsonAsync(200));
            }
            await using var connection = new NpgsqlConnection(servers[0].PostgresConnectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand(
                $"SELECT stream_id, count(*) FROM \"{servers[0].PostgresSchema}\".events WHERE stream_id IN ('signingkeys', 'keyring') GROUP BY stream_id ORDER BY stream_id", connection);
            var streams = new Dictionary<string, long>();
            await using (var reader = await count.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    streams[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            Assert.Equal(1, streams["signingkeys"]);
            Assert.Equal(1, streams["keyring"]);
            Assert.Equal(answers[0].GetProperty("publicKey").GetString(), answers[1].GetProperty("publicKey").GetString());
            Assert.All(answers, a => Assert.Single(a.GetProperty("keys").EnumerateArray()));
        }
        finally
        {
            foreach (var server in servers.Reverse())
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Without_a_master_key_a_postgres_server_refuses_to_start_with_one_line()
    {
        var run = await LedgerServer.RunBinaryAsync(
            new Dictionary<string, string>
            {
                ["Ledger__Storage__Provider"] = "postgres",
                ["ConnectionStrings__Ledger"] = PostgresTestServer.ConnectionString,
            },
            "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Ledger__Secrets__MasterKey", line, StringComparison.Ordinal);
    }
}
