using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Ledger.GraphQL.Tests;

/// <summary>A raw graphql-transport-ws client over a real socket, for driving the protocol message by message.</summary>
public sealed class WsClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ClientWebSocket _socket;
    private readonly Queue<JsonElement> _early = new();

    private WsClient(ClientWebSocket socket) => _socket = socket;

    public WebSocket Socket => _socket;

    /// <param name="receiveBuffer">The client socket's receive buffer (small: a client that stops reading blocks the server soon).</param>
    public static async Task<WsClient> ConnectAsync(Uri uri, string? subProtocol = "graphql-transport-ws", int? receiveBuffer = null)
    {
        var socket = new ClientWebSocket();
        if (subProtocol is not null)
        {
            socket.Options.AddSubProtocol(subProtocol);
        }
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                if (receiveBuffer is { } size)
                {
                    tcp.ReceiveBufferSize = size;
                }
                await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(tcp, ownsSocket: true);
            },
        };
        using var timeout = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(uri, new HttpMessageInvoker(handler, disposeHandler: false), timeout.Token);
        return new WsClient(socket);
    }

    /// <summary>Connects and completes <c>connection_init</c> with a key.</summary>
    public static async Task<WsClient> ConnectAndInitAsync(Uri uri, string apiKey)
    {
        var client = await ConnectAsync(uri);
        await client.SendAsync(new { type = "connection_init", payload = new { authorization = "Bearer " + apiKey } });
        Assert.Equal("connection_ack", (await client.ReceiveAsync()).Str("type"));
        return client;
    }

    public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

    public async Task SendTextAsync(string text)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>Sends <c>subscribe</c>, then waits until the server has it live: it registers a subscription before it reads the next message, so its pong says so.</summary>
    public async Task SubscribeAsync(string id, string query, object? variables = null)
    {
        await SendAsync(new { id, type = "subscribe", payload = new { query, variables } });
        await SendAsync(new { type = "ping" });
        while (true)
        {
            var message = await ReceiveFromSocketAsync() ?? throw new InvalidOperationException($"closed while subscribing: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
            if (message.Str("type") == "pong")
            {
                return;
            }
            _early.Enqueue(message);
        }
    }

    /// <summary>The next message; fails when the socket closes instead.</summary>
    public async Task<JsonElement> ReceiveAsync() =>
        _early.Count > 0 ? _early.Dequeue()
        : await ReceiveFromSocketAsync() ?? throw new InvalidOperationException($"the server closed the socket: {_socket.CloseStatus} {_socket.CloseStatusDescription}");

    /// <summary>Reads until the server closes; returns its close code (null if the connection broke without one).</summary>
    public async Task<(int? Code, string? Reason, int Messages)> ReceiveCloseAsync()
    {
        var messages = 0;
        try
        {
            while (await ReceiveFromSocketAsync() is not null)
            {
                messages++;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
            return (null, ex.Message, messages);
        }
        return ((int?)_socket.CloseStatus, _socket.CloseStatusDescription, messages);
    }

    private async Task<JsonElement?> ReceiveFromSocketAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(chunk, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }
                return null;
            }
            buffer.Write(chunk, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Dispose();
    }
}
