using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Ledger.Dispatcher.Destinations;

/// <summary>The kind of network an address belongs to. Everything but <see cref="Public"/> is refused unless private networks are allowed.</summary>
public enum AddressCategory
{
    Public,
    Loopback,
    Private,
    LinkLocal,
    Unspecified,

    /// <summary>100.64.0.0/10, carrier-grade NAT; some clouds put their metadata services there (Alibaba's 100.100.100.200).</summary>
    SharedAddressSpace,
    Multicast,
    Broadcast,

    /// <summary>Ranges that are not routed on the public internet: documentation, benchmarking, IETF assignments, 240/4, ::/96.</summary>
    Reserved,
}

/// <summary>
/// Classifies addresses by the IANA special-purpose registries. IPv6 forms that embed an IPv4 address
/// (IPv4-mapped <c>::ffff:a.b.c.d</c>, NAT64 <c>64:ff9b::/96</c>, 6to4 <c>2002::/16</c>) are judged by the
/// embedded address, so <c>::ffff:127.0.0.1</c> is loopback. Teredo (<c>2001::/32</c>) is left public: its
/// traffic goes through a relay, never to the embedded client address directly.
/// </summary>
public static class AddressClassifier
{
    private static readonly (uint Prefix, int Bits, AddressCategory Category)[] V4Ranges =
    [
        (0x00000000, 8, AddressCategory.Unspecified),          // 0.0.0.0/8, "this network"; Linux connects 0.0.0.0 to the local host
        (0x0A000000, 8, AddressCategory.Private),              // 10.0.0.0/8
        (0x64400000, 10, AddressCategory.SharedAddressSpace),  // 100.64.0.0/10
        (0x7F000000, 8, AddressCategory.Loopback),             // 127.0.0.0/8
        (0xA9FE0000, 16, AddressCategory.LinkLocal),           // 169.254.0.0/16, cloud metadata at 169.254.169.254
        (0xAC100000, 12, AddressCategory.Private),             // 172.16.0.0/12
        (0xC0000000, 24, AddressCategory.Reserved),            // 192.0.0.0/24, IETF protocol assignments
        (0xC0000200, 24, AddressCategory.Reserved),            // 192.0.2.0/24, TEST-NET-1
        (0xC0586300, 24, AddressCategory.Reserved),            // 192.88.99.0/24, deprecated 6to4 relay anycast
        (0xC0A80000, 16, AddressCategory.Private),             // 192.168.0.0/16
        (0xC6120000, 15, AddressCategory.Reserved),            // 198.18.0.0/15, benchmarking
        (0xC6336400, 24, AddressCategory.Reserved),            // 198.51.100.0/24, TEST-NET-2
        (0xCB007100, 24, AddressCategory.Reserved),            // 203.0.113.0/24, TEST-NET-3
        (0xE0000000, 4, AddressCategory.Multicast),            // 224.0.0.0/4
        (0xFFFFFFFF, 32, AddressCategory.Broadcast),           // 255.255.255.255
        (0xF0000000, 4, AddressCategory.Reserved),             // 240.0.0.0/4
    ];

    public static AddressCategory Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return AddressCategory.Reserved;
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork when written == 4 => ClassifyV4(bytes[..4]),
            AddressFamily.InterNetworkV6 when written == 16 => ClassifyV6(bytes),
            _ => AddressCategory.Reserved,
        };
    }

    /// <summary>How a refusal names the category to a person: "a private address".</summary>
    public static string Describe(AddressCategory category) => category switch
    {
        AddressCategory.Public => "a public address",
        AddressCategory.Loopback => "a loopback address",
        AddressCategory.Private => "a private address",
        AddressCategory.LinkLocal => "a link-local address",
        AddressCategory.Unspecified => "an unspecified address",
        AddressCategory.SharedAddressSpace => "a shared (CGNAT) address",
        AddressCategory.Multicast => "a multicast address",
        AddressCategory.Broadcast => "a broadcast address",
        _ => "a reserved address",
    };

    private static AddressCategory ClassifyV4(ReadOnlySpan<byte> bytes)
    {
        var value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        foreach (var (prefix, bits, category) in V4Ranges)
        {
            var mask = uint.MaxValue << (32 - bits);
            if ((value & mask) == prefix)
            {
                return category;
            }
        }

        return AddressCategory.Public;
    }

    private static AddressCategory ClassifyV6(ReadOnlySpan<byte> b)
    {
        if (b[..15].IndexOfAnyExcept((byte)0) < 0)
        {
            return b[15] switch
            {
                0 => AddressCategory.Unspecified,
                1 => AddressCategory.Loopback,
                _ => AddressCategory.Reserved,
            };
        }

        // ::ffff:a.b.c.d
        if (b[..10].IndexOfAnyExcept((byte)0) < 0 && b[10] == 0xFF && b[11] == 0xFF)
        {
            return ClassifyV4(b[12..]);
        }

        // ::a.b.c.d, the deprecated IPv4-compatible form; never meaningful as a destination.
        if (b[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return AddressCategory.Reserved;
        }

        // 64:ff9b::/96, well-known NAT64 prefix: the gateway forwards to the embedded IPv4 address.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B)
        {
            if (b[4..12].IndexOfAnyExcept((byte)0) < 0)
            {
                return ClassifyV4(b[12..]);
            }

            // 64:ff9b:1::/48, local-use NAT64.
            if (b[4] == 0x00 && b[5] == 0x01)
            {
                return AddressCategory.Private;
            }
        }

        // 2002::/16, 6to4: the embedded IPv4 address follows the prefix.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return ClassifyV4(b[2..6]);
        }

        // 100::/64, discard-only.
        if (b[0] == 0x01 && b[1..8].IndexOfAnyExcept((byte)0) < 0)
        {
            return AddressCategory.Reserved;
        }

        // 2001:db8::/32, documentation.
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)
        {
            return AddressCategory.Reserved;
        }

        return b[0] switch
        {
            0xFC or 0xFD => AddressCategory.Private,                      // fc00::/7, unique local
            0xFE when (b[1] & 0xC0) == 0x80 => AddressCategory.LinkLocal, // fe80::/10
            0xFE when (b[1] & 0xC0) == 0xC0 => AddressCategory.Private,   // fec0::/10, deprecated site-local
            0xFF => AddressCategory.Multicast,                            // ff00::/8
            _ => AddressCategory.Public,
        };
    }
}
