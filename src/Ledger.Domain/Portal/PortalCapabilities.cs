namespace Ledger.Domain.Portal;

/// <summary>
/// What a portal token may do (docs/portal-tokens.md). <c>read</c> sees; <c>replay</c> also redelivers; <c>manage</c> also
/// enables, disables, edits, rotates secrets and resets breakers. Every token reads what it may act on, so
/// <c>read</c> comes with either of the others; <c>replay</c> and <c>manage</c> do not imply each other.
/// </summary>
public static class PortalCapabilities
{
    public const string Read = "read";
    public const string Replay = "replay";
    public const string Manage = "manage";

    public static readonly IReadOnlyList<string> All = [Read, Replay, Manage];
}
