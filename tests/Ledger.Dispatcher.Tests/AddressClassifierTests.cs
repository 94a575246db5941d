using System.Net;
using Ledger.Dispatcher.Destinations;

namespace Ledger.Dispatcher.Tests;

public sealed class AddressClassifierTests
{
    [Theory]
    [InlineData("0.0.0.0", AddressCategory.Unspecified)]
    [InlineData("0.1.2.3", AddressCategory.Unspecified)]
    [InlineData("10.0.0.1", AddressCategory.Private)]
    [InlineData("10.255.255.255", AddressCategory.Private)]
    [InlineData("100.63.255.255", AddressCategory.Public)]
    [InlineData("100.64.0.1", AddressCategory.SharedAddressSpace)]
    [InlineData("100.100.100.200", AddressCategory.SharedAddressSpace)]
    [InlineData("100.127.255.255", AddressCategory.SharedAddressSpace)]
    [InlineData("100.128.0.0", AddressCategory.Public)]
    [InlineData("127.0.0.1", AddressCategory.Loopback)]
    [InlineData("127.255.0.9", AddressCategory.Loopback)]
    [InlineData("169.254.169.254", AddressCategory.LinkLocal)]
    [InlineData("169.254.0.1", AddressCategory.LinkLocal)]
    [InlineData("172.15.255.255", AddressCategory.Public)]
    [InlineData("172.16.0.1", AddressCategory.Private)]
    [InlineData("172.31.255.255", AddressCategory.Private)]
    [InlineData("172.32.0.0", AddressCategory.Public)]
    [InlineData("192.0.0.192", AddressCategory.Reserved)]
    [InlineData("192.0.2.10", AddressCategory.Reserved)]
    [InlineData("192.168.0.1", AddressCategory.Private)]
    [InlineData("192.169.0.1", AddressCategory.Public)]
    [InlineData("198.18.0.1", AddressCategory.Reserved)]
    [InlineData("198.51.100.7", AddressCategory.Reserved)]
    [InlineData("203.0.113.7", AddressCategory.Reserved)]
    [InlineData("224.0.0.1", AddressCategory.Multicast)]
    [InlineData("239.255.255.250", AddressCategory.Multicast)]
    [InlineData("240.0.0.1", AddressCategory.Reserved)]
    [InlineData("255.255.255.255", AddressCategory.Broadcast)]
    [InlineData("1.1.1.1", AddressCategory.Public)]
    [InlineData("8.8.8.8", AddressCategory.Public)]
    [InlineData("93.184.216.34", AddressCategory.Public)]
    [InlineData("::", AddressCategory.Unspecified)]
    [InlineData("::1", AddressCategory.Loopback)]
    [InlineData("::ffff:127.0.0.1", AddressCategory.Loopback)]
    [InlineData("::ffff:10.1.2.3", AddressCategory.Private)]
    [InlineData("::ffff:169.254.169.254", AddressCategory.LinkLocal)]
    [InlineData("::ffff:0.0.0.0", AddressCategory.Unspecified)]
    [InlineData("::ffff:93.184.216.34", AddressCategory.Public)]
    [InlineData("::127.0.0.1", AddressCategory.Reserved)]
    [InlineData("64:ff9b::7f00:1", AddressCategory.Loopback)]
    [InlineData("64:ff9b::a9fe:a9fe", AddressCategory.LinkLocal)]
    [InlineData("64:ff9b::5db8:d822", AddressCategory.Public)]
    [InlineData("64:ff9b:1::1", AddressCategory.Private)]
    [InlineData("2002:7f00:1::", AddressCategory.Loopback)]
    [InlineData("2002:c0a8:101::1", AddressCategory.Private)]
    [InlineData("2002:5db8:d822::1", AddressCategory.Public)]
    [InlineData("100::1", AddressCategory.Reserved)]
    [InlineData("2001:db8::1", AddressCategory.Reserved)]
    [InlineData("fc00::1", AddressCategory.Private)]
    [InlineData("fd00:ec2::254", AddressCategory.Private)]
    [InlineData("fe80::1", AddressCategory.LinkLocal)]
    [InlineData("febf:ffff::1", AddressCategory.LinkLocal)]
    [InlineData("fec0::1", AddressCategory.Private)]
    [InlineData("ff02::1", AddressCategory.Multicast)]
    [InlineData("2606:4700:4700::1111", AddressCategory.Public)]
    [InlineData("2a00:1450:4001:80b::200e", AddressCategory.Public)]
    public void Address_is_classified_by_its_range(string address, AddressCategory expected)
    {
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)));
    }

    [Fact]
    public void Scope_id_does_not_change_the_category()
    {
        var address = IPAddress.Parse("fe80::1%2");

        Assert.Equal(AddressCategory.LinkLocal, AddressClassifier.Classify(address));
    }
}
