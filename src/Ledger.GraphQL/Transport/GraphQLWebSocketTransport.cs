using System.Net.WebSockets;
using Ledger.GraphQL.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ledger.GraphQL.Transport;

/// <summary>
/// WebSockets at <c>/graphql</c> speaking graphql-transport-ws (the protocol of the graphql-ws library, which
/// GraphiQL and Apollo clients use). The key comes in <c>connection_init</c>'s payload; a key sent on the upgrade
/// request's headers counts too, for clients that can send headers.
/// </summary>
public sealed class GraphQLWebSocketTransport(
    LedgerExecutor executor, GraphQLCallers callers, KeyConnections connections, IHostApplicationLifetime lifetime,
    ILogger<GraphQLWebSocketTransport> logger)
{
    public const string SubProtocol = "graphql-transport-ws";

    public async Task RunAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol, StringComparer.Ordinal))
        {
            // As the graphql-ws server does: accept, then say why with the protocol's close code.
            using var rejected = await context.WebSockets.AcceptWebSocketAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await rejected.CloseAsync((WebSocketCloseStatus)GraphQLWsCloseCodes.SubprotocolNotAcceptable, "Subprotocol not acceptable", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = SubProtocol });
        var connection = new GraphQLWsConnection(socket, executor, callers, ApiKeyHeaders.KeyOf(context.Request), connections, logger, context.Connection.RemoteIpAddress);
        await connection.RunAsync(lifetime.ApplicationStopping, context.RequestAborted);
    }
}

/// <summary>The close codes of graphql-transport-ws (graphql-ws PROTOCOL.md), and the one Ledger adds.</summary>
public static class GraphQLWsCloseCodes
{
    public const int BadRequest = 4400;
    public const int Unauthorized = 4401;
    public const int Forbidden = 4403;
    public const int SubprotocolNotAcceptable = 4406;
    public const int ConnectionInitialisationTimeout = 4408;
    public const int SubscriberAlreadyExists = 4409;
    public const int TooManyInitialisationRequests = 4429;

    /// <summary>The key already holds the most connections it may (WebSocket's Try Again Later).</summary>
    public const int TryAgainLater = 1013;

    /// <summary>The client fell too far behind reading its updates (WebSocket's Policy Violation).</summary>
    public const int TooSlow = (int)WebSocketCloseStatus.PolicyViolation;
}
