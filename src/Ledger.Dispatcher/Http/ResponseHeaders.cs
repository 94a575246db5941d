using System.Net.Http.Headers;
using Ledger.Domain;

namespace Ledger.Dispatcher.Http;

/// <summary>
/// The answer's headers as an attempt keeps them: at most <see cref="MaxCount"/> lines of at most
/// <see cref="MaxValueLength"/> characters, <see cref="MaxTotalLength"/> in all, cookies never.
/// </summary>
public static class ResponseHeaders
{
    public const int MaxCount = 32;
    public const int MaxValueLength = 512;
    public const int MaxTotalLength = 4096;

    public static IReadOnlyList<HttpHeader> Keep(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var kept = new List<HttpHeader>();
        var total = 0;
        foreach (var (name, values) in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated))
        {
            if (name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            foreach (var value in values)
            {
                var shown = value.Length > MaxValueLength ? value[..MaxValueLength] : value;
                total += name.Length + shown.Length;
                if (kept.Count == MaxCount || total > MaxTotalLength)
                {
                    return kept;
                }
                kept.Add(new HttpHeader(name, shown));
            }
        }
        return kept;
    }

}
