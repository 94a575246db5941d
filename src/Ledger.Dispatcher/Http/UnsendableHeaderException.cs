namespace Ledger.Dispatcher.Http;

/// <summary>A header value an HTTP request must not carry (a line break or another control character): nothing is sent.</summary>
internal sealed class UnsendableHeaderException(string header)
    : Exception($"the {header} header would carry characters HTTP headers cannot hold; the request was not sent")
{
}
