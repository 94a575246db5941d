namespace Ledger.TestSupport;

/// <summary>
/// The path prefix that makes a test receiver's URLs its own. Receivers listen on ports the OS picks, and a port is
/// handed out again once freed: a webhook of an earlier test, still retrying on a shared server, then reaches the new
/// receiver. Its requests lack this receiver's mark, so the receiver can tell them from its own.
/// </summary>
public sealed class ReceiverMark
{
    private readonly string _prefix;

    private ReceiverMark(string prefix) => _prefix = prefix;

    public static ReceiverMark New() => new("/r" + Guid.NewGuid().ToString("N")[..12]);

    public string Url(Uri baseAddress, string path) =>
        new Uri(baseAddress, _prefix + (path.StartsWith('/') ? path : "/" + path)).ToString();

    /// <summary>The path the test asked for, without the mark; null when the request is not for this receiver.</summary>
    public string? Strip(string? target)
    {
        if (target is null || !target.StartsWith(_prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var rest = target[_prefix.Length..];
        return rest.Length == 0 ? "/" : rest[0] is '/' or '?' ? (rest[0] == '?' ? "/" + rest : rest) : null;
    }
}
