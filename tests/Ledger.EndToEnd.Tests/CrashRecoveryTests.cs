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
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var publishers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested && i < 500; i++)
            {
                try
                {
                    var e = await client.PublishAsync(new { type = "crash.test", data = new { p, i }, orderingKey = "key-" + (i % 20) });
                    acknowledged.Add(e.Id());
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
        await receiver.WaitForAsync(_ => acknowledged.All(received.ContainsKey), TimeSpan.FromSeconds(120));

        Assert.All(acknowledged, id => Assert.True(received.ContainsKey(id), $"{id} was acknowledged but never delivered"));
    }
}

public sealed class CrashRecoveryTestsOnSqlite : CrashRecoveryTests<OnSqlite>;

public sealed class CrashRecoveryTestsOnPostgres : CrashRecoveryTests<OnPostgres>;
