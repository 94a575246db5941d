using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Ledger.Bench;

/// <summary>
/// The webhook receivers every sender in a scenario posts to: one Kestrel server on loopback with two ports. The
/// healthy port answers 200 at once (or after a set latency, or with a set share of 500s); the slow port holds each
/// request until <see cref="SlowHold"/> has passed (longer than any sender's timeout), so its senders time out.
/// Receipts are counted per receiver path <c>/h/{index}</c>; every 64th is checked against the sender's signature.
/// </summary>
public sealed class Receivers : IAsyncDisposable
{
    public const int MaxReceivers = 200_000;

    private readonly WebApplication _app;
    private readonly long[] _perReceiver = new long[MaxReceivers];
    private readonly byte[]?[] _keys = new byte[]?[MaxReceivers];
    private readonly ConcurrentDictionary<string, long> _firstReceipt = new(StringComparer.Ordinal);
    private long _ok;
    private long _failedOnPurpose;
    private long _slow;
    private long _sampled;
    private long _badSignatures;
    private long _target = long.MaxValue;
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _gate = Open();
    private int _receiverCount = MaxReceivers;

    private Receivers(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public int SlowPort { get; private set; }

    /// <summary>Latency of the healthy port's answer.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Share (0..1) of healthy-port requests answered 500.</summary>
    public double FailureRate { get; set; }

    /// <summary>How long the slow port holds a request before answering (bounded: nothing waits forever).</summary>
    public TimeSpan SlowHold { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Records the first arrival time (Stopwatch ticks) per <c>webhook-id</c> header, for latency scenarios.</summary>
    public bool TrackFirstReceipt { get; set; }

    public long Ok => Interlocked.Read(ref _ok);

    public long Slow => Interlocked.Read(ref _slow);

    public long FailedOnPurpose => Interlocked.Read(ref _failedOnPurpose);

    public long Sampled => Interlocked.Read(ref _sampled);

    public long BadSignatures => Interlocked.Read(ref _badSignatures);

    public IReadOnlyDictionary<string, long> FirstReceipts => _firstReceipt;

    public static async Task<Receivers> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, 0);
            kestrel.Listen(System.Net.IPAddress.Loopback, 0);
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(5);
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        var receivers = new Receivers(app);
        app.Run(receivers.HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).ToArray();
        receivers.Port = addresses[0];
        receivers.SlowPort = addresses[1];
        return receivers;
    }

    public string Url(int index) => $"http://127.0.0.1:{Port}/h/{index}";

    public string SlowUrl(int index) => $"http://127.0.0.1:{SlowPort}/h/{index}";

    /// <summary>The key each receiver checks signatures with (Standard Webhooks: the decoded <c>whsec_</c> secret).</summary>
    public void SetKey(int index, byte[] key) => _keys[index] = key;

    public long CountOf(int index) => Interlocked.Read(ref _perReceiver[index]);

    public long CountOf(IEnumerable<int> indexes) => indexes.Sum(CountOf);

    /// <summary>Forgets all counts and receipts; keys stay.</summary>
    public void Reset(int receiverCount = MaxReceivers)
    {
        Array.Clear(_perReceiver);
        _firstReceipt.Clear();
        Interlocked.Exchange(ref _ok, 0);
        Interlocked.Exchange(ref _slow, 0);
        Interlocked.Exchange(ref _failedOnPurpose, 0);
        Interlocked.Exchange(ref _sampled, 0);
        Interlocked.Exchange(ref _badSignatures, 0);
        Interlocked.Exchange(ref _target, long.MaxValue);
        _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiverCount = receiverCount;
        Latency = TimeSpan.Zero;
        FailureRate = 0;
        TrackFirstReceipt = false;
        OpenGate();
    }

    /// <summary>Completes once the healthy port has answered 200 to <paramref name="count"/> requests in all.</summary>
    public Task WaitForOkAsync(long count, TimeSpan timeout)
    {
        Interlocked.Exchange(ref _target, count);
        if (Ok >= count)
        {
            _reached.TrySetResult();
        }
        return _reached.Task.WaitAsync(timeout);
    }

    /// <summary>From now on healthy-port requests wait (at most <paramref name="maxHold"/>) until <see cref="OpenGate"/>.</summary>
    public void CloseGate(TimeSpan maxHold)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Delay(maxHold).ContinueWith(_ => gate.TrySetResult(), TaskScheduler.Default);
        Interlocked.Exchange(ref _gate, gate);
    }

    public void OpenGate() => Interlocked.Exchange(ref _gate, Open()).TrySetResult();

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.TrySetResult();
        return open;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var request = context.Request;
        var index = ParseIndex(request.Path.Value);
        if (index < 0 || index >= _receiverCount)
        {
            context.Response.StatusCode = 404;
            return;
        }
        if (TrackFirstReceipt && request.Headers["webhook-id"].ToString() is { Length: > 0 } id)
        {
            _firstReceipt.TryAdd(id, arrived);
        }
        var body = await ReadBodyAsync(request, context.RequestAborted);
        var sample = Interlocked.Increment(ref _sampled) % 64 == 1;
        if (sample && _keys[index] is { } key && !Verifies(key, request.Headers, body))
        {
            Interlocked.Increment(ref _badSignatures);
        }
        if (context.Connection.LocalPort == SlowPort)
        {
            Interlocked.Increment(ref _slow);
            try
            {
                await Task.Delay(SlowHold, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            context.Response.StatusCode = 200;
            return;
        }
        var gate = Volatile.Read(ref _gate).Task;
        if (!gate.IsCompleted)
        {
            await gate;
        }
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, context.RequestAborted);
        }
        if (FailureRate > 0 && Random.Shared.NextDouble() < FailureRate)
        {
            Interlocked.Increment(ref _failedOnPurpose);
            context.Response.StatusCode = 500;
            return;
        }
        context.Response.StatusCode = 200;
        Interlocked.Increment(ref _perReceiver[index]);
        if (Interlocked.Increment(ref _ok) >= Interlocked.Read(ref _target))
        {
            _reached.TrySetResult();
        }
    }

    private static int ParseIndex(string? path)
    {
        if (path is null || !path.StartsWith("/h/", StringComparison.Ordinal))
        {
            return -1;
        }
        return int.TryParse(path.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : -1;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var length = (int)(request.ContentLength ?? 0);
        using var buffer = new MemoryStream(length > 0 ? length : 1024);
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>Standard Webhooks: <c>v1,base64(HMAC-SHA256(key, "{id}.{ts}.{body}"))</c>, any of a space-separated list.</summary>
    private static bool Verifies(byte[] key, IHeaderDictionary headers, byte[] body)
    {
        var id = headers["webhook-id"].ToString();
        var timestamp = headers["webhook-timestamp"].ToString();
        var signatures = headers["webhook-signature"].ToString();
        if (id.Length == 0 || timestamp.Length == 0 || signatures.Length == 0)
        {
            return false;
        }
        var expected = "v1," + Signing.Sign(key, id, timestamp, body);
        return signatures.Split(' ').Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)));
    }

    public async ValueTask DisposeAsync()
    {
        OpenGate();
        await _app.StopAsync(TimeSpan.FromSeconds(2));
        await _app.DisposeAsync();
    }
}
