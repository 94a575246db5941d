using System.Text.Json;
using Ledger.Domain.Wire;

using Ledger.TestSupport;

namespace Ledger.Domain.Tests.Wire;

/// <summary>
/// Each profile's request, checked by what its receivers really run: the standardwebhooks, svix and stripe npm
/// libraries, and the seeds' own verification code for v2k and generic, which re-serialise the parsed body with
/// JSON.stringify before the HMAC and so pass only if Ledger's body is JavaScript's canonical form byte for byte.
/// </summary>
public class RealVerifierTests
{
    private const string TestEventData = """{"test": true, "message": "This is a test webhook"}""";

    // Hex-HMAC profiles key with the whole string as UTF-8, so a whsec_ secret and a non-ASCII one both belong here.
    private static readonly Dictionary<string, (string Current, string Previous, string Wrong)> Secrets = new()
    {
        [Profiles.Standard] = (WireFixtures.WhsecSecret, WireFixtures.PreviousWhsecSecret, WireFixtures.OtherWhsecSecret),
        [Profiles.Svix] = (WireFixtures.WhsecSecret, WireFixtures.PreviousWhsecSecret, WireFixtures.OtherWhsecSecret),
        [Profiles.Kash] = (WireFixtures.WhsecSecret, "kash-previous-sécret-🔑-0001", "kash-wrong-secret-000000001"),
        [Profiles.V2k] = (WireFixtures.WhsecSecret, "v2k-previous-sécret-🔑-0001", "v2k-wrong-secret-0000000001"),
        [Profiles.Generic] = (WireFixtures.WhsecSecret, "generic-previous-sécret-🔑-1", "generic-wrong-secret-000001"),
        [Profiles.Github] = (WireFixtures.WhsecSecret, "github-previous-sécret-🔑-01", "github-wrong-secret-0000001"),
    };

    public static TheoryData<string, string> Requests { get; } = Cases();

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task The_receivers_own_verifier_accepts_the_right_secret_and_only_it(string profileName, string data)
    {
        NodeScripts.RequireModules();
        var profile = WireProfiles.Get(profileName);
        var (current, previous, wrong) = Secrets[profileName];
        var metadata = new Dictionary<string, string> { ["strategy"] = "momentum-v2", ["cohort"] = "béta <&> '+'" };
        var e = WireFixtures.Event(data, metadata: metadata);
        var now = DateTimeOffset.UtcNow;

        var single = profile.Render(e, [current], now);
        var rotating = profile.Render(e, [current, previous], now);
        var tampered = single.Body.ToArray();
        var at = Array.IndexOf(tampered, (byte)'t', tampered.Length / 2);
        tampered[at] = (byte)'T';

        var checks = new (string Name, WireRequest Request, string Secret, bool Expected, byte[]? Body)[]
        {
            ("correct secret", single, current, true, null),
            ("wrong secret", single, wrong, false, null),
            ("previous secret before any rotation", single, previous, false, null),
            ("rotation, current secret", rotating, current, true, null),
            ("rotation, previous secret", rotating, previous, true, null),
            ("rotation, wrong secret", rotating, wrong, false, null),
            ("tampered body", single, current, false, tampered),
        };
        var results = await VerifyAsync(profileName, checks.Select(c => (c.Request, c.Secret, c.Body)));
        for (var i = 0; i < checks.Length; i++)
        {
            var (ok, error) = results[i];
            Assert.True(ok == checks[i].Expected, $"{profileName} / {checks[i].Name}: expected ok={checks[i].Expected}, node said ok={ok} {error}");
        }
    }

    [Fact]
    public async Task Kash_timestamps_are_milliseconds_that_a_receiver_checks_for_age()
    {
        NodeScripts.RequireModules();
        var e = WireFixtures.Event(TestEventData);
        var fresh = WireProfiles.Kash.Render(e, [WireFixtures.WhsecSecret], DateTimeOffset.UtcNow);
        var stale = WireProfiles.Kash.Render(e, [WireFixtures.WhsecSecret], DateTimeOffset.UtcNow.AddMinutes(-10));
        var results = await VerifyAsync(Profiles.Kash, [(fresh, WireFixtures.WhsecSecret, null), (stale, WireFixtures.WhsecSecret, null)]);
        Assert.True(results[0].Ok, results[0].Error);
        Assert.False(results[1].Ok);
        Assert.Contains("unix-millisecond", results[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_Webhooks_rejects_a_stale_attempt_timestamp()
    {
        NodeScripts.RequireModules();
        var stale = WireProfiles.Standard.Render(WireFixtures.Event(TestEventData), [WireFixtures.WhsecSecret], DateTimeOffset.UtcNow.AddMinutes(-10));
        var results = await VerifyAsync(Profiles.Standard, [(stale, WireFixtures.WhsecSecret, null)]);
        Assert.False(results[0].Ok);
        Assert.Contains("too old", results[0].Error, StringComparison.Ordinal);
    }

    private static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var profile in WireProfiles.All)
        {
            cases.Add(profile.Name, WireFixtures.TrickyData);
            cases.Add(profile.Name, TestEventData);
        }
        return cases;
    }

    private static async Task<List<(bool Ok, string Error)>> VerifyAsync(
        string profile, IEnumerable<(WireRequest Request, string Secret, byte[]? Body)> checks)
    {
        var requests = checks.Select(c => new VerifyRequest(
            profile,
            c.Secret,
            c.Request.Headers.ToDictionary(h => h.Key, h => h.Value),
            Convert.ToBase64String(c.Body ?? c.Request.Body.ToArray()))).ToList();
        var output = await NodeScripts.RunAsync("verify-signature.mjs", JsonSerializer.Serialize(requests, JsonOptions));
        using var document = JsonDocument.Parse(output);
        var results = document.RootElement.EnumerateArray()
            .Select(r => (r.GetProperty("ok").GetBoolean(), r.TryGetProperty("error", out var error) ? error.GetString() ?? "" : ""))
            .ToList();
        Assert.Equal(requests.Count, results.Count);
        return results;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record VerifyRequest(string Profile, string Secret, Dictionary<string, string> Headers, string BodyBase64);
}
