using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Ledger.TestSupport;

/// <summary>One request as the receiver got it: headers and the exact body bytes.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At)
{
    /// <summary>Every header line as it arrived, in order, names as sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> HeaderLines { get; init; } = [];

    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}

/// <summary>
/// A real HTTP receiver (Kestrel on 127.0.0.1, port chosen by the OS). Each request is recorded, then answered by
/// <see cref="Handler"/> (200 by default). Tests wait on <see cref="WaitForAsync"/>, which is signalled per request.
/// Its URLs start with a path mark of its own (<see cref="ReceiverMark"/>): a request without it was meant for an
/// earlier receiver on the same recycled port (a retry of another test's webhook) and is answered 410, unrecorded.
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly Lock _gate = new();
    private readonly ReceiverMark _mark = ReceiverMark.New();
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Receiver(WebApplication app) => _app = app;

    public Func<ReceivedRequest, Task<IResult>> Handler { get; set; } = _ => Task.FromResult(Results.Ok("ok"));

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    public string Url(string path = "/hook") => _mark.Url(BaseAddress, path);

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new Receiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address);
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (_mark.Strip(context.Request.Path.Value) is not { } path)
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var request = new ReceivedRequest(path, headers, body.ToArray(), DateTimeOffset.UtcNow)
        {
            HeaderLines = [.. context.Request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? "")))],
        };
        _requests.Enqueue(request);
        TaskCompletionSource arrived;
        lock (_gate)
        {
            arrived = _arrived;
            _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        arrived.TrySetResult();
        IResult result;
        try
        {
            result = await Handler(request);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await result.ExecuteAsync(context);
    }

    /// <summary>Waits until the recorded requests satisfy <paramref name="condition"/>.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(Func<IReadOnlyList<ReceivedRequest>, bool> condition, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                arrived = _arrived.Task;
            }
            var requests = Requests;
            if (condition(requests))
            {
                return requests;
            }
            try
            {
                await arrived.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the receiver got {requests.Count} requests, not what the test waited for");
            }
        }
    }

    public Task<IReadOnlyList<ReceivedRequest>> WaitForCountAsync(int count, TimeSpan? timeout = null) => WaitForAsync(r => r.Count >= count, timeout);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
