namespace Ledger.Dispatcher.Destinations;

/// <summary>
/// The answer of <see cref="DestinationGuard.CheckUrlAsync"/>. A refusal's <see cref="Reason"/> is written for the
/// API caller (the <c>BLOCKED_DESTINATION</c> error message) and names no address the caller did not type.
/// </summary>
public sealed record DestinationCheck(bool IsAllowed, string? Reason)
{
    public static DestinationCheck Allowed { get; } = new(true, null);

    public static DestinationCheck Refused(string reason) => new(false, reason);
}
