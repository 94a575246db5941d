using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using GraphQL;
using GraphQL.Transport;
using GraphQLParser.AST;
using Ledger.Domain;
using Ledger.GraphQL.Execution;
using Ledger.GraphQL.Subscriptions;
using Microsoft.Extensions.Logging;

namespace Ledger.GraphQL.Transport;

/// <summary>
/// One graphql-transport-ws connection. Messages are read in order; a subscription is registered before the next
/// message is read (so a client that gets any later answer knows its subscription is live); queries and mutations
/// run alongside. Everything sent goes through one bounded outbox and one writer. A subscription whose updates
/// pile up unsent past its budget closes the connection (1008), and a connection that cannot take its close in
/// time is aborted: a client that stops reading costs bounded memory.
/// </summary>
internal sealed class GraphQLWsConnection(
    WebSocket socket, LedgerExecutor executor, GraphQLCallers callers, string? headerKey, KeyConnections connections, ILogger logger,
    System.Net.IPAddress? remoteAddress)
{
    private const int OutboxCapacity = 8192;
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly Channel<Outgoing> _outbox = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(OutboxCapacity) { SingleReader = true });
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closed = new();
    private readonly GraphQLOptions _options = executor.Services.Options;
    private readonly ByteBudget _bytes = new(executor.Services.Options.SubscriberBudgetBytes);
    private IDisposable? _keyLease;
    private readonly TaskCompletionSource _closeRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (WebSocketCloseStatus Status, string Reason)? _closeFrame;
    private GraphQLCaller? _caller;
    private CancellationTokenRegistration _onCallerEnded;
    private int _initReceived;
    private int _closing;

    public async Task RunAsync(CancellationToken serverStopping, CancellationToken aborted)
    {
        var writer = Task.Run(() => WriteLoopAsync(aborted), CancellationToken.None);
        using var initTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.ConnectionInitTimeoutSeconds));
        using var onInitTimeout = initTimeout.Token.Register(() =>
        {
            if (Volatile.Read(ref _initReceived) == 0)
            {
                Close(GraphQLWsCloseCodes.ConnectionInitialisationTimeout, "Connection initialisation timeout");
            }
        });
        using var onStopping = serverStopping.Register(() => Close((int)WebSocketCloseStatus.EndpointUnavailable, "Server shutting down"));
        _ = CloseWhenOverBudgetAsync();
        try
        {
            await ReceiveLoopAsync(aborted);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            // Before the close frame goes out: a client that saw its connection close may open another at once.
            _keyLease?.Dispose();
            foreach (var operation in _operations.Values)
            {
                operation.Dispose();
            }
            _operations.Clear();
            if (socket.State == WebSocketState.CloseReceived)
            {
                Close((int)WebSocketCloseStatus.NormalClosure, "");
            }
            await _onCallerEnded.DisposeAsync();
            _outbox.Writer.TryComplete();
            await writer;
            await _closed.CancelAsync();
            _closed.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken aborted)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            buffer.Clear();
            ValueWebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer.GetMemory(4096), aborted);
                buffer.Advance(received.Count);
                if (buffer.WrittenCount > _options.MaxMessageBytes)
                {
                    Close((int)WebSocketCloseStatus.MessageTooBig, $"messages are at most {_options.MaxMessageBytes} bytes");
                    return;
                }
            }
            while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

            if (received.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
            if (Volatile.Read(ref _closing) == 1)
            {
                continue;
            }
            if (received.MessageType != WebSocketMessageType.Text)
            {
                Close(GraphQLWsCloseCodes.BadRequest, "Invalid message received: messages are JSON text");
                continue;
            }
            await HandleAsync(buffer.WrittenMemory);
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> message)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            Close(GraphQLWsCloseCodes.BadRequest, "Invalid message received: not JSON");
            return;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                Close(GraphQLWsCloseCodes.BadRequest, "Invalid message received: no type");
                return;
            }
            switch (typeElement.GetString())
            {
                case "connection_init":
                    OnConnectionInit(root);
                    break;
                case "ping":
                    Send(Message("pong", null));
                    break;
                case "pong":
                    break;
                case "subscribe":
                    await OnSubscribeAsync(root);
                    break;
                case "complete":
                    if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && _operations.TryRemove(id.GetString()!, out var operation))
                    {
                        operation.Dispose();
                    }
                    break;
                default:
                    Close(GraphQLWsCloseCodes.BadRequest, $"Invalid message received: unexpected type '{typeElement.GetString()}'");
                    break;
            }
        }
    }

    private void OnConnectionInit(JsonElement message)
    {
        if (Interlocked.Exchange(ref _initReceived, 1) == 1)
        {
            Close(GraphQLWsCloseCodes.TooManyInitialisationRequests, "Too many initialisation requests");
            return;
        }
        string? key = null;
        if (message.TryGetProperty("payload", out var payload) && payload.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            if (payload.ValueKind != JsonValueKind.Object)
            {
                Close(GraphQLWsCloseCodes.BadRequest, "Invalid message received: the connection_init payload is an object");
                return;
            }
            key = KeyOf(payload);
        }
        key ??= headerKey;
        _caller = callers.Authenticate(key);
        if (_caller is null)
        {
            Close(GraphQLWsCloseCodes.Forbidden, "Forbidden");
            return;
        }
        _keyLease = connections.TryOpen(key!);
        if (_keyLease is null)
        {
            _caller = null;
            Close(GraphQLWsCloseCodes.TryAgainLater, $"Too many connections: a key holds at most {_options.MaxConnectionsPerKey}");
            return;
        }
        Send(Message("connection_ack", null));
        // A portal token's connection ends with the token: revoked or expired, it is closed as an unauthorised one is.
        _onCallerEnded = _caller.Ended.Register(() => Close(GraphQLWsCloseCodes.Forbidden, "Forbidden: the portal token was revoked or has expired"));
    }

    /// <summary><c>{"authorization": "Bearer &lt;key&gt;"}</c> or <c>{"apiKey": "&lt;key&gt;"}</c> (names in any case).</summary>
    private static string? KeyOf(JsonElement payload)
    {
        foreach (var property in payload.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                continue;
            }
            var value = property.Value.GetString();
            switch (property.Name.ToLowerInvariant())
            {
                case "authorization":
                    return ApiKeyHeaders.BearerKey(value) ?? value;
                case "apikey" or "x-api-key":
                    return value;
            }
        }
        return null;
    }

    private async Task OnSubscribeAsync(JsonElement message)
    {
        if (_caller is not { } caller)
        {
            Close(GraphQLWsCloseCodes.Unauthorized, "Unauthorized");
            return;
        }
        if (!message.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String || idElement.GetString() is not { Length: > 0 } id)
        {
            Close(GraphQLWsCloseCodes.BadRequest, "Invalid message received: subscribe needs an id");
            return;
        }
        GraphQLRequest? request = null;
        if (message.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.Object
            && payload.TryGetProperty("query", out var query) && query.ValueKind == JsonValueKind.String)
        {
            try
            {
                request = executor.Serializer.ReadNode<GraphQLRequest>(payload);
            }
            catch (JsonException)
            {
            }
        }
        if (request is null)
        {
            Close(GraphQLWsCloseCodes.BadRequest, "Invalid message received: subscribe needs a payload with a query");
            return;
        }
        var operation = new Operation(id, _closed.Token);
        if (!_operations.TryAdd(id, operation))
        {
            operation.Dispose();
            Close(GraphQLWsCloseCodes.SubscriberAlreadyExists, $"Subscriber for {id} already exists");
            return;
        }
        if (_operations.Count > _options.MaxOperationsPerConnection)
        {
            Finish(operation, Errors(id, $"a connection runs at most {_options.MaxOperationsPerConnection} operations at once"));
            return;
        }
        var (document, kind) = executor.Inspect(request);
        if (kind == OperationType.Subscription)
        {
            await StartSubscriptionAsync(operation, caller, request, document);
        }
        else
        {
            _ = RunOnceAsync(operation, caller, request, document);
        }
    }

    private async Task StartSubscriptionAsync(Operation operation, GraphQLCaller caller, GraphQLRequest request, GraphQLDocument? document)
    {
        var budget = new SubscriberBudget(_options.SubscriberBuffer, _bytes);
        operation.Budget = budget;
        try
        {
            var result = await executor.ExecuteAsync(
                request, document, new LedgerRequestContext(caller.Tenant, executor.Services, budget, caller.Scope, caller.ActorFrom(remoteAddress)), isSubscription: true, operation.Cancellation);
            if (result.Streams is not { Count: > 0 } streams)
            {
                Finish(operation, result.Executed ? [Next(operation.Id, result), Message("complete", operation.Id)] : [Errors(operation.Id, result)]);
                return;
            }
            operation.Subscription = streams.Values.First().Subscribe(new StreamObserver(this, operation, budget));
            _ = CloseWhenExhaustedAsync(operation, budget);
        }
        catch (OperationCanceledException) when (operation.Cancellation.IsCancellationRequested)
        {
            Finish(operation);
        }
    }

    private async Task CloseWhenExhaustedAsync(Operation operation, SubscriberBudget budget)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onEnd = operation.Cancellation.Register(() => ended.TrySetResult());
        if (await Task.WhenAny(budget.Exhausted, ended.Task) == budget.Exhausted)
        {
            logger.LogWarning("Closing a GraphQL WebSocket: subscription {Id} has {Count} updates it could not send", operation.Id, budget.Pending);
            Close(GraphQLWsCloseCodes.TooSlow, "Subscriber too slow: updates piled up unsent");
        }
    }

    private async Task CloseWhenOverBudgetAsync()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onClosed = _closed.Token.Register(() => closed.TrySetResult());
        if (await Task.WhenAny(_bytes.Exhausted, closed.Task) == _bytes.Exhausted)
        {
            logger.LogWarning("Closing a GraphQL WebSocket: its client left {Bytes} bytes of updates unread", _bytes.Used);
            Close(GraphQLWsCloseCodes.TooSlow, "Subscriber too slow: more than " + _bytes.Capacity + " bytes of updates unread");
        }
    }

    private async Task RunOnceAsync(Operation operation, GraphQLCaller caller, GraphQLRequest request, GraphQLDocument? document)
    {
        try
        {
            var result = await executor.ExecuteAsync(
                request, document, new LedgerRequestContext(caller.Tenant, executor.Services, scope: caller.Scope, actor: caller.ActorFrom(remoteAddress)), isSubscription: false, operation.Cancellation);
            Finish(operation, result.Executed ? [Next(operation.Id, result), Message("complete", operation.Id)] : [Errors(operation.Id, result)]);
        }
        catch (OperationCanceledException) when (operation.Cancellation.IsCancellationRequested)
        {
            Finish(operation);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "GraphQL operation {Id} failed", operation.Id);
            Finish(operation, Errors(operation.Id, "the operation failed; the error was logged"));
        }
    }

    /// <summary>Ends an operation; its last messages go out only if the client has not completed it meanwhile.</summary>
    private void Finish(Operation operation, params Outgoing[] last)
    {
        if (_operations.TryRemove(new KeyValuePair<string, Operation>(operation.Id, operation)))
        {
            foreach (var message in last)
            {
                Send(message);
            }
        }
        operation.Dispose();
    }

    private Outgoing Next(string id, ExecutionResult result, SubscriberBudget? budget = null) =>
        new(Envelope("next", id, executor.Serializer.Serialize(executor.CapErrors(result))), budget);

    private Outgoing Errors(string id, ExecutionResult result)
    {
        using var serialized = JsonDocument.Parse(executor.Serializer.Serialize(result));
        var errors = serialized.RootElement.TryGetProperty("errors", out var list) ? list.GetRawText() : "[]";
        return new Outgoing(Envelope("error", id, errors), null);
    }

    private Outgoing Errors(string id, string message) => Errors(id, new ExecutionResult { Errors = [new ExecutionError(message)] });

    private static Outgoing Message(string type, string? id) => new(Envelope(type, id, null), null);

    private static byte[] Envelope(string type, string? id, string? payload)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            if (id is not null)
            {
                writer.WriteString("id", id);
            }
            writer.WriteString("type", type);
            if (payload is not null)
            {
                writer.WritePropertyName("payload");
                writer.WriteRawValue(payload, skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
        return stream.ToArray();
    }

    private void Send(Outgoing message)
    {
        if (Volatile.Read(ref _closing) == 1)
        {
            message.Budget?.Release();
            return;
        }
        if (!_bytes.TryTake(message.Payload.Length))
        {
            message.Budget?.Release();
            return;
        }
        if (!_outbox.Writer.TryWrite(message))
        {
            _bytes.Release(message.Payload.Length);
            message.Budget?.Release();
            Close(GraphQLWsCloseCodes.TooSlow, "Subscriber too slow: too many messages unsent");
        }
    }

    /// <summary>
    /// Sends a close frame after whatever the writer is sending now (nothing queued after it goes out), and aborts
    /// the socket if the close cannot be completed within a grace period (a client that does not read).
    /// </summary>
    private void Close(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }
        _closeFrame = ((WebSocketCloseStatus)code, reason);
        _closeRequested.TrySetResult();
        _ = AbortUnlessClosedAsync();
    }

    private async Task AbortUnlessClosedAsync()
    {
        try
        {
            await Task.Delay(CloseGrace, _closed.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        if (socket.State != WebSocketState.Closed)
        {
            socket.Abort();
        }
    }

    private async Task WriteLoopAsync(CancellationToken aborted)
    {
        try
        {
            while (true)
            {
                var next = _outbox.Reader.WaitToReadAsync(aborted).AsTask();
                if (await Task.WhenAny(next, _closeRequested.Task) == _closeRequested.Task || !await next)
                {
                    break;
                }
                while (Volatile.Read(ref _closing) == 0 && _outbox.Reader.TryRead(out var message))
                {
                    await socket.SendAsync(message.Payload, WebSocketMessageType.Text, endOfMessage: true, aborted);
                    _bytes.Release(message.Payload.Length);
                    message.Budget?.Release();
                }
            }
            if (_closeFrame is { } frame && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(frame.Status, frame.Reason, aborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            while (_outbox.Reader.TryRead(out var dropped))
            {
                _bytes.Release(dropped.Payload.Length);
                dropped.Budget?.Release();
            }
        }
    }

    private ILogger Log => logger;

    private sealed record Outgoing(byte[] Payload, SubscriberBudget? Budget);

    private sealed class Operation : IDisposable
    {
        private readonly CancellationTokenSource _cancellation;
        private int _disposed;

        public Operation(string id, CancellationToken connectionClosed)
        {
            Id = id;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed);
            Cancellation = _cancellation.Token;
        }

        public string Id { get; }

        public CancellationToken Cancellation { get; }

        public IDisposable? Subscription { get; set; }

        public SubscriberBudget? Budget { get; set; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }
            Subscription?.Dispose();
            Budget?.Dispose();
            _cancellation.Cancel();
            _cancellation.Dispose();
        }
    }

    private sealed class StreamObserver(GraphQLWsConnection connection, Operation operation, SubscriberBudget budget) : IObserver<ExecutionResult>
    {
        public void OnNext(ExecutionResult value)
        {
            budget.Produced();
            connection.Send(connection.Next(operation.Id, value, budget));
        }

        public void OnError(Exception error)
        {
            connection.Log.LogWarning(error, "Subscription {Id} failed", operation.Id);
            connection.Finish(operation, connection.Errors(operation.Id, "the subscription failed; the error was logged"));
        }

        public void OnCompleted() => connection.Finish(operation, Message("complete", operation.Id));
    }
}
