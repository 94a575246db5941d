using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ledger.TestSupport;

/// <summary>One HTTP/1.1 request as the bytes on the wire framed it: the request line, every header line as sent, the body.</summary>
public sealed record RawRequest(string RequestLine, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public IReadOnlyList<string> Values(string name) =>
        [.. Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];
}

/// <summary>
/// A receiver that is no HTTP server at all: a <see cref="TcpListener"/> on 127.0.0.1 that records every byte it is
/// sent and frames requests the way a plain HTTP/1.1 server would (headers up to the blank line, then
/// <c>Content-Length</c> bytes), answering each with <c>200</c>. A request smuggled into a header therefore shows
/// up here as what it is: an extra header, or a second request on the same connection. Like <see cref="Receiver"/>,
/// its URLs carry a <see cref="ReceiverMark"/>: a connection whose first request lacks it was meant for an earlier
/// receiver on the same port, and is answered 410 and left out of what this one received.
/// </summary>
public sealed class RawTcpReceiver : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private static readonly byte[] Answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
    private static readonly byte[] Gone = "HTTP/1.1 410 Gone\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<RawRequest> _requests = [];
    private readonly MemoryStream _bytes = new();
    private readonly List<Task> _connections = [];
    private readonly ReceiverMark _mark = ReceiverMark.New();
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _accepting = Task.CompletedTask;

    private RawTcpReceiver()
    {
    }

    public Uri BaseAddress { get; private set; } = null!;

    public string Url(string path = "/hook") => _mark.Url(BaseAddress, path);

    public IReadOnlyList<RawRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Every byte received on every connection, in arrival order, as Latin-1 text.</summary>
    public string ReceivedText
    {
        get
        {
            lock (_gate)
            {
                return Encoding.Latin1.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);
            }
        }
    }

    public static RawTcpReceiver Start()
    {
        var receiver = new RawTcpReceiver();
        receiver._listener.Start();
        receiver.BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)receiver._listener.LocalEndpoint).Port}/");
        receiver._accepting = receiver.AcceptAsync();
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests have been framed.</summary>
    public async Task<IReadOnlyList<RawRequest>> WaitForCountAsync(int count, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                arrived = _arrived.Task;
                if (_requests.Count >= count)
                {
                    return [.. _requests];
                }
            }
            try
            {
                await arrived.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the raw receiver framed {Requests.Count} requests, not {count}");
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_gate)
                {
                    _connections.Add(ServeAsync(client));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var pending = new List<byte>();
            var buffer = new byte[16 * 1024];
            // Bytes of this connection before its first request shows whether it is meant for this receiver.
            List<byte>? undecided = [];
            try
            {
                while (true)
                {
                    var read = await stream.ReadAsync(buffer, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }
                    if (undecided is null)
                    {
                        Keep(buffer.AsSpan(0, read));
                    }
                    else
                    {
                        undecided.AddRange(buffer.AsSpan(0, read));
                    }
                    pending.AddRange(buffer.AsSpan(0, read));
                    while (TryFrame(pending, out var request))
                    {
                        if (undecided is not null)
                        {
                            if (Target(request.RequestLine) is not { } target || _mark.Strip(target) is null)
                            {
                                await stream.WriteAsync(Gone, _stop.Token);
                                return;
                            }
                            Keep(undecided.ToArray());
                            undecided = null;
                        }
                        Record(Unmarked(request));
                        await stream.WriteAsync(Answer, _stop.Token);
                    }
                    if (pending.Count > MaxHeaderBytes)
                    {
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            _bytes.Write(bytes);
        }
    }

    private static string? Target(string requestLine) => requestLine.Split(' ') is [_, var target, _] ? target : null;

    /// <summary>The request as the test addressed it: its target without this receiver's mark (a smuggled one has none).</summary>
    private RawRequest Unmarked(RawRequest request) =>
        request.RequestLine.Split(' ') is [var method, var target, var version] && _mark.Strip(target) is { } path
            ? request with { RequestLine = $"{method} {path} {version}" }
            : request;

    private void Record(RawRequest request)
    {
        TaskCompletionSource arrived;
        lock (_gate)
        {
            _requests.Add(request);
            arrived = _arrived;
            _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        arrived.TrySetResult();
    }

    /// <summary>Takes one complete request off the front of <paramref name="pending"/>, if there is one.</summary>
    private static bool TryFrame(List<byte> pending, out RawRequest request)
    {
        request = null!;
        var bytes = pending.ToArray();
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }
        var lines = Encoding.Latin1.GetString(bytes, 0, end).Split("\r\n");
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(colon < 0 ? new(line, "") : new(line[..colon], line[(colon + 1)..].Trim()));
        }
        var contentLength = headers.FirstOrDefault(h => string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        var length = int.TryParse(contentLength, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var bodyStart = end + 4;
        if (bytes.Length < bodyStart + length)
        {
            return false;
        }
        request = new RawRequest(lines[0], headers, bytes[bodyStart..(bodyStart + length)]);
        pending.RemoveRange(0, bodyStart + length);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_gate)
        {
            connections = [.. _connections];
        }
        await Task.WhenAll(connections);
        _stop.Dispose();
        _bytes.Dispose();
    }
}
