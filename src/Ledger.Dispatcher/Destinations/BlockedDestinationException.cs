namespace Ledger.Dispatcher.Destinations;

/// <summary>
/// Thrown by <see cref="DestinationGuard.ConnectAsync"/> when no address of the host may be connected to; the
/// sender records it as <c>BLOCKED_DESTINATION</c>. The message is safe to show: it names no address.
/// </summary>
public sealed class BlockedDestinationException : Exception
{
    public BlockedDestinationException()
        : this("the destination is refused")
    {
    }

    public BlockedDestinationException(string message)
        : base(message)
    {
    }

    public BlockedDestinationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
