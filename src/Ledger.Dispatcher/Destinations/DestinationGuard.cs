using System.Collections.Frozen;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Ledger.Dispatcher.Destinations;

/// <summary>
/// Keeps webhook deliveries off loopback, private, link-local and other non-public networks (docs/security.md, SSRF)
/// unless <see cref="DestinationGuardOptions.AllowPrivateNetworks"/> is set. It answers twice:
/// <see cref="CheckUrlAsync"/> when a webhook url is created or updated, for a friendly <c>400</c>; and
/// <see cref="ConnectAsync"/> at every connection the sender opens, which is the check that holds, since DNS
/// may answer differently between the two (DNS rebinding).
/// </summary>
public sealed class DestinationGuard
{
    /// <summary>How a refusal tells the operator what to change.</summary>
    public const string AllowHint = "set Ledger__Delivery__AllowPrivateNetworks=true to allow it";

    private static readonly FrozenSet<string> LocalhostNames =
        FrozenSet.ToFrozenSet(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"], StringComparer.Ordinal);

    private static readonly FrozenSet<string> MetadataNames = FrozenSet.ToFrozenSet(
        ["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"],
        StringComparer.Ordinal);

    private static readonly FrozenSet<IPAddress> MetadataAddresses = FrozenSet.ToFrozenSet(
    [
        IPAddress.Parse("169.254.169.254"), // AWS, GCP, Azure, OCI, DigitalOcean
        IPAddress.Parse("169.254.170.2"),   // AWS ECS task metadata
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("fd00:ec2::254"),   // AWS over IPv6
    ]);

    private readonly DestinationGuardOptions _options;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolveHost;

    /// <param name="options">Whether private networks are allowed, and the DNS timeout of <see cref="CheckUrlAsync"/>.</param>
    /// <param name="resolveHost">Resolves a host name; the system resolver (<see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/>) when null. Tests pass their own to stay off the network.</param>
    public DestinationGuard(DestinationGuardOptions options, Func<string, CancellationToken, Task<IPAddress[]>>? resolveHost = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DnsTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("DnsTimeout must be positive", nameof(options));
        }

        _options = options;
        _resolveHost = resolveHost ?? Dns.GetHostAddressesAsync;
    }

    public bool AllowPrivateNetworks => _options.AllowPrivateNetworks;

    public bool IsAllowed(IPAddress address) =>
        _options.AllowPrivateNetworks || AddressClassifier.Classify(address) == AddressCategory.Public;

    /// <summary>
    /// Checks a webhook url at create or update. A literal address is judged without DNS; <c>localhost</c>,
    /// <c>*.localhost</c> and cloud metadata names are refused by name; any other host is resolved (within
    /// <see cref="DestinationGuardOptions.DnsTimeout"/>) and refused if any of its addresses is refused.
    /// A host that does not resolve, or not in time, is allowed: its DNS may be set up after the webhook, and
    /// <see cref="ConnectAsync"/> still checks every address at delivery, where it fails as <c>DNS_FAILURE</c>.
    /// </summary>
    public async Task<DestinationCheck> CheckUrlAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            throw new ArgumentException("url must be absolute", nameof(url));
        }

        if (_options.AllowPrivateNetworks)
        {
            return DestinationCheck.Allowed;
        }

        var host = NormaliseHost(url.IdnHost);
        if (TryParseLiteral(host, out var literal))
        {
            return IsAllowed(literal)
                ? DestinationCheck.Allowed
                : DestinationCheck.Refused($"url points to {DescribeAddress(literal)} ({host}); {AllowHint}");
        }

        if (RefusedName(host) is { } nameReason)
        {
            return DestinationCheck.Refused($"{nameReason}; {AllowHint}");
        }

        IPAddress[] addresses;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.DnsTimeout);
            try
            {
                addresses = await ResolveAsync(host, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return DestinationCheck.Allowed;
            }
            catch (SocketException)
            {
                return DestinationCheck.Allowed;
            }
        }

        // The resolved address is not named: the caller typed a host name, and which internal address it maps
        // to is more than they need to fix it.
        foreach (var address in addresses)
        {
            if (!IsAllowed(address))
            {
                return DestinationCheck.Refused($"url resolves to {DescribeAddress(address)}; {AllowHint}");
            }
        }

        return DestinationCheck.Allowed;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host itself, drops refused addresses and
    /// connects only to allowed ones, so what is checked is what is connected to. Throws
    /// <see cref="BlockedDestinationException"/> when no address is allowed, and a <see cref="SocketException"/>
    /// (<see cref="SocketError.HostNotFound"/>, <see cref="SocketError.NoData"/>) when the host does not resolve.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.DnsEndPoint;
        var host = NormaliseHost(endpoint.Host);

        IPAddress[] candidates;
        if (TryParseLiteral(host, out var literal))
        {
            candidates = [literal];
        }
        else
        {
            if (!_options.AllowPrivateNetworks && RefusedName(host) is { } nameReason)
            {
                throw new BlockedDestinationException($"{nameReason}; {AllowHint}");
            }

            candidates = await ResolveAsync(host, cancellationToken);
        }

        var allowed = candidates.Where(IsAllowed).Distinct().ToArray();
        if (allowed.Length == 0)
        {
            var verb = literal is null ? "resolves to" : "points to";
            throw new BlockedDestinationException($"url {verb} {DescribeAddress(candidates[0])}; {AllowHint}");
        }

        if (!Socket.OSSupportsIPv6)
        {
            allowed = [.. allowed.Where(a => a.AddressFamily == AddressFamily.InterNetwork)];
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        // RFC 6761 §6.4: names under "invalid" never resolve; answering here keeps them off the network.
        if (host == "invalid" || host.EndsWith(".invalid", StringComparison.Ordinal))
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        // WaitAsync: the system resolver does not honour cancellation everywhere.
        var addresses = await _resolveHost(host, cancellationToken).WaitAsync(cancellationToken);
        return addresses.Length > 0 ? addresses : throw new SocketException((int)SocketError.NoData);
    }

    private static string? RefusedName(string host)
    {
        if (LocalhostNames.Contains(host) || host.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return "url points to localhost";
        }

        return MetadataNames.Contains(host) ? "url points to a cloud metadata service" : null;
    }

    private static string DescribeAddress(IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return MetadataAddresses.Contains(plain)
            ? "a cloud metadata address"
            : AddressClassifier.Describe(AddressClassifier.Classify(address));
    }

    /// <summary>Lower case, without IPv6 brackets or the trailing dot of a fully qualified name.</summary>
    private static string NormaliseHost(string host)
    {
        var h = host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        return h.TrimEnd('.').ToLowerInvariant();
    }

    private static bool TryParseLiteral(string host, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address)
    {
        // An IPv6 zone (fe80::1%eth0, "%25" in a url) says which interface, not which address.
        var zone = host.IndexOf('%', StringComparison.Ordinal);
        var plain = zone >= 0 && host.Contains(':', StringComparison.Ordinal) ? host[..zone] : host;
        if (plain.Length > 0 && (char.IsAsciiDigit(plain[0]) || plain.Contains(':', StringComparison.Ordinal)))
        {
            return IPAddress.TryParse(plain, out address);
        }

        address = null;
        return false;
    }
}
