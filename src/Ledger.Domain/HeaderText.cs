namespace Ledger.Domain;

/// <summary>
/// Text that may travel in an HTTP header of a delivery. A header value goes out as written, so a CR or LF in one
/// would end the header early and let the rest be read as more headers, or as a second request of its own; every
/// value a publisher chooses that a profile puts in a header is held to visible ASCII when it is accepted.
/// </summary>
public static class HeaderText
{
    /// <summary>Only 0x21–0x7E: no space, no control character, nothing outside ASCII.</summary>
    public static bool IsVisibleAscii(string? value, int maxLength) =>
        !string.IsNullOrEmpty(value) && value.Length <= maxLength && value.All(c => c is >= '\x21' and <= '\x7E');
}

/// <summary>
/// An event's <c>apiVersion</c> (docs/rest.md): 1 to 64 visible ASCII characters. <c>kash</c> sends it in
/// <c>X-Kash-Api-Version</c>, so it is a header value and held to what a header may carry.
/// </summary>
public static class ApiVersion
{
    public const int MaxLength = 64;

    public static bool IsValid(string? value) => HeaderText.IsVisibleAscii(value, MaxLength);
}
