using Ledger.Domain;

namespace Ledger.Application.Inspection;

/// <summary>
/// One attempt's request as it went out, rendered again from the ledger. <c>Exact</c> is false when it could not be:
/// the attempt predates recording its signing time (signed here at its start instead), or a secret that signed it is
/// no longer held (then the profile's signature headers are left out). <c>UrlChangedSince</c> says the webhook was
/// edited after the attempt, so the URL shown (today's) may not be the one it went to.
/// </summary>
public sealed record RenderedAttempt(
    int Number,
    string Method,
    string Url,
    IReadOnlyList<HttpHeader> Headers,
    byte[] Body,
    DateTimeOffset SignedAt,
    bool Exact,
    bool UrlChangedSince,
    IReadOnlyList<HttpHeader>? ResponseHeaders);
