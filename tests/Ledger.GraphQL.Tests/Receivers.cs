using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Ledger.GraphQL.Tests;

public static class Receivers
{
    /// <summary>A loopback URL nothing listens on: every attempt fails at once with CONNECTION_FAILED.</summary>
    public static string Refusing()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/hook";
    }

    /// <summary>Waits on a subscription (already live) for the first update that satisfies <paramref name="match"/>.</summary>
    public static async Task<JsonElement> NextMatchingAsync(this WsClient client, string id, Func<JsonElement, bool> match)
    {
        while (true)
        {
            var message = await client.ReceiveAsync();
            Assert.True(message.Str("type") == "next" && message.Str("id") == id, $"expected an update of {id}, got {message}");
            var data = message.GetProperty("payload").GetProperty("data");
            var value = data.EnumerateObject().First().Value;
            if (match(value))
            {
                return value;
            }
        }
    }
}
