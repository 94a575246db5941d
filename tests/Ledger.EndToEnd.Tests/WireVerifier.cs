using System.Text.Json;

namespace Ledger.EndToEnd.Tests;

/// <summary>Holds a received request against the receivers' own verification code (tests/node/verify-signature.mjs).</summary>
public static class WireVerifier
{
    /// <summary>Whether the request verifies for a profile with a secret, or (kepler) against a signing address.</summary>
    public static async Task<bool> VerifiesAsync(ReceivedRequest request, string profile, string secretOrAddress, bool withPrevious = true)
    {
        NodeScripts.RequireModules();
        var headers = request.Headers.Where(h => withPrevious || !h.Key.EndsWith("-previous", StringComparison.Ordinal)).ToDictionary();
        var verdict = await NodeScripts.RunAsync("verify-signature.mjs", JsonSerializer.Serialize(new
        {
            profile,
            secret = secretOrAddress,
            address = secretOrAddress,
            headers,
            bodyBase64 = Convert.ToBase64String(request.Body),
        }));
        return JsonDocument.Parse(verdict).RootElement.GetProperty("ok").GetBoolean();
    }
}
