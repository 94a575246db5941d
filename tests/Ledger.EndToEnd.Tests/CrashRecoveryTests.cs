using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ledger.EndToEnd.Tests;

public abstract class CrashRecoveryTests<TStorage>
    where TStorage : IStorageChoice
{
    [Fact]
    public async Task After_kill_9_mid_load_every_acknowledged_event_is_delivered()
    {
        await using var receiver = await Receiver.StartAsync();
        var received = new ConcurrentDictionary<string, int>();
        var fiftyReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backlog = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Handler = async request =>
        {
            var id = JsonDocument.Parse(request.Body).RootElement.GetProperty("id").GetString()!;
            if (received.AddOrUpdate(id, 1, (_, n) => n + 1) == 1 && received.Count >= 50)
            {
                fiftyReceived.TrySetResult();
            }
            // From the 50th on, the receiver holds its answers until the kill, so deliveries cannot catch up with
            // publishing and the kill lands with acknowledged events still to deliver.
            if (fiftyReceived.Task.IsCompleted)
            {
                await killed.Task;
            }
            return Results.Ok();
        };
        await using var server = await LedgerServer.StartAsync(TStorage.Kind);
        var client = server.Client();
        await client.CreateWebhookAsync(new { url = receiver.Url(), retrySchedule = Enumerable.Repeat(0, 5).ToArray() });

        // Publish from several tasks until the server dies under them; only answered publishes count as acknowledged.
        var acknowledged = new ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource();
        var publishers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested && i < 500; i++)
            {
                try
                {
                    var e = await client.PublishAsync(new { type = "crash.test", data = new { p, i }, orderingKey = "key-" + (i % 20) });
                    acknowledged[e.Id()] = e.FirstDeliveryId();
                    if (fiftyReceived.Task.IsCompleted && acknowledged.Count >= received.Count + 20)
                    {
                        backlog.TrySetResult();
                    }
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        })).ToArray();

        await backlog.Task.WaitAsync(TimeSpan.FromSeconds(120));
        await server.KillAsync();
        killed.TrySetResult();
        await stop.CancelAsync();
        await Task.WhenAll(publishers.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default)));
        Assert.True(acknowledged.Count > received.Count, "the kill should land mid-load, with deliveries still to go");

        await server.RestartAsync();
        try
        {
            await receiver.WaitForAsync(_ => acknowledged.Keys.All(received.ContainsKey), TimeSpan.FromSeconds(120));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Assert.Fail(await WhyUndeliveredAsync(ex.Message, client, server, acknowledged.Where(a => !received.ContainsKey(a.Key))));
        }

        Assert.All(acknowledged.Keys, id => Assert.True(received.ContainsKey(id), $"{id} was acknowledged but never delivered"));
    }

    /// <summary>What the ledger says of the first few acknowledged events that never arrived, and what the server logged.</summary>
    private static async Task<string> WhyUndeliveredAsync(string timeout, HttpClient client, LedgerServer server, IEnumerable<KeyValuePair<string, string>> missing)
    {
        var lines = new List<string> { timeout, $"{missing.Count()} acknowledged events were not delivered; the first of them:" };
        foreach (var (eventId, deliveryId) in missing.Take(5))
        {
            var answer = await client.GetAsync(new Uri($"/v1/deliveries/{deliveryId}", UriKind.Relative));
            lines.Add($"{eventId} → {deliveryId}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        }
        var output = server.Output;
        lines.Add("server output (last 4,000 characters):");
        lines.Add(output[Math.Max(0, output.Length - 4_000)..]);
        return string.Join('\n', lines);
    }
}

public sealed class CrashRecoveryTestsOnSqlite : CrashRecoveryTests<OnSqlite>;

public sealed class CrashRecoveryTestsOnPostgres : CrashRecoveryTests<OnPostgres>;
