namespace Ledger.Dispatcher.Http;

/// <summary>
/// One HTTP POST to a receiver. <see cref="Body"/> goes out byte for byte, <see cref="ContentType"/> as written
/// (<c>application/json; charset=utf-8</c>), and <see cref="Headers"/> are the profile's (signature, event id);
/// the receiver sees nothing else of ours but <c>User-Agent</c> and what HTTP itself needs (<c>Host</c>,
/// <c>Content-Length</c>). <see cref="Timeout"/> bounds the whole attempt: connect, headers and body.
/// </summary>
public sealed record SendRequest(
    Uri Url,
    byte[] Body,
    string ContentType,
    string UserAgent,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    TimeSpan Timeout);
