using System.Text.Json;

namespace Ledger.EndToEnd.Tests;

/// <summary>What an operator relies on: health, metrics, the CLI verbs, and read models rebuilt from the ledger.</summary>
public abstract class OperationsTests<TStorage>
    where TStorage : IStorageChoice
{
    [Fact]
    public async Task Health_and_metrics_report_on_deliveries()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var server = await LedgerServer.StartAsync(TStorage.Kind);
        var client = server.Client();
        await client.CreateWebhookAsync(new { url = receiver.Url() });
        var published = await client.PublishAsync(new { type = "metrics.test", data = new { } });
        await client.WaitForStatusAsync(published.FirstDeliveryId(), "delivered");

        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        var health = await (await anonymous.GetAsync("/healthz")).JsonAsync(200);
        var metrics = await anonymous.GetStringAsync("/metrics");

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Contains("ledger_deliveries_total{outcome=\"delivered\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ledger_attempts_total{outcome=\"ok\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ledger_attempt_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("ledger_queue_depth 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_models_rebuilt_by_the_cli_verb_answer_as_before_and_a_new_key_works()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var server = await LedgerServer.StartAsync(TStorage.Kind);
        var client = server.Client();
        var webhook = await client.CreateWebhookAsync(new { url = receiver.Url(), retrySchedule = Array.Empty<int>() });
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await client.PublishAsync(new { type = "rebuild.test", data = new { i } })).FirstDeliveryId());
        }
        foreach (var id in ids)
        {
            await client.WaitForStatusAsync(id, "delivered");
        }
        var before = await client.GetStringAsync("/v1/webhooks/events?limit=100");
        await server.KillAsync();

        var rebuild = await server.RunVerbAsync("rebuild-projections");
        var key = (await server.RunVerbAsync("keys", "create", "--tenant", "default")).Trim();
        await server.RestartAsync();

        Assert.Contains("Rebuilt from", rebuild, StringComparison.Ordinal);
        using var withNewKey = server.Client(key);
        Assert.Equal(before, await withNewKey.GetStringAsync("/v1/webhooks/events?limit=100"));
        var fetched = await (await withNewKey.GetAsync($"/v1/webhooks/{webhook.Id()}")).JsonAsync(200);
        Assert.Equal(webhook.Id(), fetched.Id());
    }

    [Fact]
    public async Task Rebuild_projections_refuses_while_a_server_runs_on_the_ledger()
    {
        await using var server = await LedgerServer.StartAsync(TStorage.Kind);
        await server.Client().CreateWebhookAsync(new { url = "http://127.0.0.1:9/hook" });

        var refused = await LedgerServer.RunBinaryAsync(server.StorageSettings, "rebuild-projections");
        await server.KillAsync();
        var rebuilt = await LedgerServer.RunBinaryAsync(server.StorageSettings, "rebuild-projections");

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("rebuild-projections: a Ledger server is running on this ledger; stop every instance first", refused.Errors.Trim());
        Assert.True(rebuilt.ExitCode == 0, rebuilt.Errors);
    }
}

public sealed class OperationsTestsOnSqlite : OperationsTests<OnSqlite>;

public sealed class OperationsTestsOnPostgres : OperationsTests<OnPostgres>;
