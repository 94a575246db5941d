using System.Net;

namespace Ledger.Domain;

/// <summary>The client IP as the audit trail records it: IPv4 written as IPv4 even when it arrived mapped into IPv6.</summary>
public static class ClientAddress
{
    public static string? Of(IPAddress? address) =>
        address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
