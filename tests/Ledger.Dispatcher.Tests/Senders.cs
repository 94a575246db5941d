using System.Net;
using Ledger.Dispatcher.Destinations;
using Ledger.Dispatcher.Http;

namespace Ledger.Dispatcher.Tests;

internal static class Senders
{
    public const string JsonContentType = "application/json; charset=utf-8";

    public static readonly byte[] DefaultBody = """{"id":"evt_1","type":"test","data":{}}"""u8.ToArray();

    /// <summary>A resolver for tests that must not touch DNS.</summary>
    public static Task<IPAddress[]> NoDns(string host, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"unexpected DNS lookup of {host}");

    /// <summary>A resolver that knows only the given names.</summary>
    public static Func<string, CancellationToken, Task<IPAddress[]>> Hosts(params (string Host, string Address)[] entries) =>
        (host, _) =>
        {
            var addresses = entries.Where(e => e.Host == host).Select(e => IPAddress.Parse(e.Address)).ToArray();
            return addresses.Length > 0
                ? Task.FromResult(addresses)
                : throw new InvalidOperationException($"unexpected DNS lookup of {host}");
        };

    public static DestinationGuard Guard(bool allowPrivateNetworks, Func<string, CancellationToken, Task<IPAddress[]>>? resolveHost = null) =>
        new(new DestinationGuardOptions { AllowPrivateNetworks = allowPrivateNetworks }, resolveHost);

    /// <summary>Tests send to loopback receivers, so private networks are allowed unless a test is about the guard.</summary>
    public static WebhookSender Create(
        bool allowPrivateNetworks = true,
        Func<string, CancellationToken, Task<IPAddress[]>>? resolveHost = null,
        TimeProvider? timeProvider = null) =>
        new(Guard(allowPrivateNetworks, resolveHost), timeProvider ?? TimeProvider.System);

    public static SendRequest Request(
        Uri url,
        TimeSpan? timeout = null,
        byte[]? body = null,
        IReadOnlyList<KeyValuePair<string, string>>? headers = null) =>
        new(url, body ?? DefaultBody, JsonContentType, "Ledger-Tests/1.0", headers ?? [], timeout ?? TimeSpan.FromSeconds(5));
}
