namespace Ledger.Domain;

/// <summary>
/// Who made a command happen: an API key's id (<c>ak_…</c>) or a portal token's id (<c>pt_…</c>) — never the key or
/// the token — and the client's IP address as the server saw it.
/// </summary>
public sealed record CommandActor(string Id, string? Ip);

/// <summary>
/// An event a command wrote, naming its actor and client IP. Both are optional on the wire: events written before
/// they existed, and events a command wrote without a caller (the CLI, tests), carry neither.
/// </summary>
public interface IAudited
{
    string? Actor { get; }

    string? Ip { get; }
}
