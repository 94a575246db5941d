namespace Ledger.Dispatcher.Destinations;

/// <summary>
/// Settings of the <see cref="DestinationGuard"/>. The server binds them from <c>Ledger:Delivery</c>
/// (<c>Ledger__Delivery__AllowPrivateNetworks</c>); the Development environment sets it true.
/// </summary>
public sealed class DestinationGuardOptions
{
    /// <summary>When true every address is allowed: loopback, private, link-local and the rest.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long <see cref="DestinationGuard.CheckUrlAsync"/> waits for DNS when a webhook is created or updated.</summary>
    public TimeSpan DnsTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
