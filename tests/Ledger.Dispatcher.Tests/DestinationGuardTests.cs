using System.Net;
using System.Net.Sockets;
using Ledger.Dispatcher.Destinations;

namespace Ledger.Dispatcher.Tests;

public sealed class DestinationGuardTests
{
    private const string Hint = "set Ledger__Delivery__AllowPrivateNetworks=true to allow it";

    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://127.1/")]
    [InlineData("http://user@127.0.0.1/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://0.0.0.0:8080/")]
    [InlineData("http://localhost/")]
    [InlineData("http://LOCALHOST./hooks")]
    [InlineData("https://api.localhost/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::]/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://172.20.1.1/")]
    [InlineData("http://192.168.1.1:8080/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[fe80::1%25eth0]/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::ffff:a9fe:a9fe]/")]
    [InlineData("http://[64:ff9b::a00:1]/")]
    [InlineData("http://[2002:7f00:1::]/")]
    [InlineData("http://224.0.0.1/")]
    [InlineData("http://255.255.255.255/")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("http://metadata.goog/")]
    public async Task Refused_destinations_are_refused_without_DNS(string url)
    {
        var guard = Senders.Guard(allowPrivateNetworks: false, Senders.NoDns);

        var check = await guard.CheckUrlAsync(new Uri(url), CancellationToken.None);

        Assert.False(check.IsAllowed);
        Assert.EndsWith(Hint, check.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://93.184.216.34/")]
    [InlineData("http://8.8.8.8:8080/hook")]
    [InlineData("https://[2606:4700:4700::1111]/")]
    [InlineData("https://[64:ff9b::5db8:d822]/")]
    public async Task Public_literal_addresses_are_allowed_without_DNS(string url)
    {
        var guard = Senders.Guard(allowPrivateNetworks: false, Senders.NoDns);

        var check = await guard.CheckUrlAsync(new Uri(url), CancellationToken.None);

        Assert.True(check.IsAllowed);
        Assert.Null(check.Reason);
    }

    [Theory]
    [InlineData("http://10.0.0.5/", "url points to a private address (10.0.0.5); " + Hint)]
    [InlineData("http://[::1]:9000/", "url points to a loopback address (::1); " + Hint)]
    [InlineData("http://169.254.169.254/", "url points to a cloud metadata address (169.254.169.254); " + Hint)]
    [InlineData("http://localhost:3000/", "url points to localhost; " + Hint)]
    [InlineData("http://metadata.google.internal/", "url points to a cloud metadata service; " + Hint)]
    public async Task Refusal_names_what_the_caller_typed(string url, string reason)
    {
        var guard = Senders.Guard(allowPrivateNetworks: false, Senders.NoDns);

        var check = await guard.CheckUrlAsync(new Uri(url), CancellationToken.None);

        Assert.Equal(reason, check.Reason);
    }

    [Fact]
    public async Task Host_with_any_refused_address_is_refused_without_naming_the_address()
    {
        var guard = Senders.Guard(
            allowPrivateNetworks: false,
            Senders.Hosts(("hooks.example.com", "93.184.216.34"), ("hooks.example.com", "10.0.0.5")));

        var check = await guard.CheckUrlAsync(new Uri("https://hooks.example.com/in"), CancellationToken.None);

        Assert.False(check.IsAllowed);
        Assert.Equal("url resolves to a private address; " + Hint, check.Reason);
    }

    [Fact]
    public async Task Host_with_public_addresses_only_is_allowed()
    {
        var guard = Senders.Guard(
            allowPrivateNetworks: false,
            Senders.Hosts(("hooks.example.com", "93.184.216.34"), ("hooks.example.com", "2606:2800:220:1:248:1893:25c8:1946")));

        var check = await guard.CheckUrlAsync(new Uri("https://hooks.example.com/in"), CancellationToken.None);

        Assert.True(check.IsAllowed);
    }

    [Fact]
    public async Task Host_that_does_not_resolve_yet_is_allowed()
    {
        var guard = Senders.Guard(allowPrivateNetworks: false, (_, _) => throw new SocketException((int)SocketError.HostNotFound));

        var check = await guard.CheckUrlAsync(new Uri("https://not-yet.example.com/in"), CancellationToken.None);

        Assert.True(check.IsAllowed);
    }

    [Fact]
    public async Task Invalid_names_do_not_resolve_and_are_answered_without_DNS()
    {
        var guard = Senders.Guard(allowPrivateNetworks: false, Senders.NoDns);

        var check = await guard.CheckUrlAsync(new Uri("https://nonexistent.invalid/"), CancellationToken.None);

        Assert.True(check.IsAllowed);
    }

    [Fact]
    public async Task Host_whose_DNS_does_not_answer_in_time_is_allowed()
    {
        var never = new TaskCompletionSource<IPAddress[]>();
        var guard = new DestinationGuard(
            new DestinationGuardOptions { DnsTimeout = TimeSpan.FromMilliseconds(100) },
            (_, _) => never.Task);

        var check = await guard.CheckUrlAsync(new Uri("https://slow.example.com/"), CancellationToken.None);

        Assert.True(check.IsAllowed);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_taken_for_a_DNS_timeout()
    {
        var guard = Senders.Guard(allowPrivateNetworks: false, (_, _) => new TaskCompletionSource<IPAddress[]>().Task);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => guard.CheckUrlAsync(new Uri("https://slow.example.com/"), cancelled.Token));
    }

    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://localhost/")]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://metadata.google.internal/")]
    [InlineData("http://internal.corp/")]
    public async Task Everything_is_allowed_without_DNS_when_private_networks_are_allowed(string url)
    {
        var guard = Senders.Guard(allowPrivateNetworks: true, Senders.NoDns);

        var check = await guard.CheckUrlAsync(new Uri(url), CancellationToken.None);

        Assert.True(check.IsAllowed);
    }

    [Fact]
    public void Only_public_addresses_are_allowed_by_default()
    {
        var guard = Senders.Guard(allowPrivateNetworks: false);
        var open = Senders.Guard(allowPrivateNetworks: true);

        Assert.True(guard.IsAllowed(IPAddress.Parse("93.184.216.34")));
        Assert.False(guard.IsAllowed(IPAddress.Parse("192.168.0.10")));
        Assert.True(open.IsAllowed(IPAddress.Parse("192.168.0.10")));
    }
}
