using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.Domain.Wire;

namespace Ledger.Domain.Tests.Wire;

public class WireProfileTests
{
    private const string Secret = WireFixtures.WhsecSecret;
    private const string Previous = WireFixtures.PreviousWhsecSecret;
    private const string Data = WireFixtures.TrickyDataCanonical;
    private const string EventId = "evt_8f3c2a1b9d0e4f7a8c1b6e5d3f4a2c9b";
    private const string Iso = "\"2026-05-02T12:34:56.789Z\"";

    private static readonly string AttemptSeconds = WireFixtures.AttemptAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
    private static readonly string AttemptMilliseconds = WireFixtures.AttemptAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static TheoryData<string> Names { get; } = [.. WireProfiles.All.Select(p => p.Name)];

    [Fact]
    public void Every_secret_signed_profile_is_registered_under_its_name()
    {
        foreach (var name in Profiles.All.Where(n => n != Profiles.Kepler))
        {
            Assert.Equal(name, WireProfiles.Get(name).Name);
        }
        Assert.Equal(Profiles.All.Count - 1, WireProfiles.All.Count);
        Assert.Contains("signing keys", Assert.Throws<ArgumentException>(() => WireProfiles.Get(Profiles.Kepler)).Message, StringComparison.Ordinal);
        Assert.Contains("unknown", Assert.Throws<ArgumentException>(() => WireProfiles.Get("nope")).Message, StringComparison.Ordinal);
        Assert.False(WireProfiles.TryGet(null, out _));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Content_type_is_JSON_in_UTF8(string name)
    {
        Assert.Equal("application/json; charset=utf-8", WireProfiles.Get(name).ContentType);
    }

    [Fact]
    public void User_agents_are_the_profiles()
    {
        Assert.Equal("KashDAO-Webhook-Delivery/1.0", WireProfiles.Kash.UserAgent);
        foreach (var profile in WireProfiles.All.Where(p => p.Name != Profiles.Kash))
        {
            Assert.Equal("Ledger-Webhooks/1.0", profile.UserAgent);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_retry_renders_the_same_bytes(string name)
    {
        var profile = WireProfiles.Get(name);
        var metadata = new Dictionary<string, string> { ["strategy"] = "momentum-v2" };
        var first = profile.RenderBody(WireFixtures.Event(metadata: metadata));
        var again = profile.RenderBody(WireFixtures.Event(metadata: metadata));
        Assert.Equal(first, again);
        Assert.Equal(first, profile.Render(WireFixtures.Event(metadata: metadata), [Secret], WireFixtures.AttemptAt.AddHours(5)).Body.ToArray());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Body_is_compact_JSON_that_JavaScript_would_write_again_unchanged(string name)
    {
        var body = WireProfiles.Get(name).RenderBody(WireFixtures.Event());
        Assert.Equal(body, CanonicalJson.Serialize(body));
        Assert.DoesNotContain("\\u0026", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }

    [Fact]
    public void Standard_envelope_is_id_type_timestamp_data()
    {
        var body = Render(WireProfiles.Standard, WireFixtures.Event());
        Assert.Equal($$"""{"id":"{{EventId}}","type":"trade.completed","timestamp":{{Iso}},"data":{{Data}}}""", body);
    }

    [Fact]
    public void Github_envelope_is_id_type_timestamp_data()
    {
        var body = Render(WireProfiles.Github, WireFixtures.Event());
        Assert.Equal($$"""{"id":"{{EventId}}","type":"trade.completed","timestamp":{{Iso}},"data":{{Data}}}""", body);
    }

    [Fact]
    public void V2k_envelope_is_event_timestamp_data()
    {
        var body = Render(WireProfiles.V2k, WireFixtures.Event());
        Assert.Equal($$"""{"event":"trade.completed","timestamp":{{Iso}},"data":{{Data}}}""", body);
    }

    [Fact]
    public void Generic_envelope_is_id_type_created_at_data()
    {
        var body = Render(WireProfiles.Generic, WireFixtures.Event());
        Assert.Equal($$"""{"id":"{{EventId}}","type":"trade.completed","created_at":{{Iso}},"data":{{Data}}}""", body);
    }

    [Fact]
    public void Svix_envelope_has_unix_seconds_and_the_api_version_or_1_0()
    {
        var seconds = WireFixtures.CreatedAt.ToUnixTimeSeconds();
        Assert.Equal(
            $$"""{"eventType":"trade.completed","id":"{{EventId}}","version":"2026-04-29","timestamp":{{seconds}},"data":{{Data}}}""",
            Render(WireProfiles.Svix, WireFixtures.Event()));
        Assert.Equal(
            $$$"""{"eventType":"trade.completed","id":"{{{EventId}}}","version":"1.0","timestamp":{{{seconds}}},"data":{"a":1}}""",
            Render(WireProfiles.Svix, WireFixtures.Event("""{"a":1}""", apiVersion: null)));
    }

    [Fact]
    public void Kash_envelope_pins_the_api_version_with_a_default()
    {
        Assert.Equal(
            $$$"""{"id":"{{{EventId}}}","type":"trade.completed","apiVersion":"2026-05-01","createdAt":{{{Iso}}},"data":{"a":1}}""",
            Render(WireProfiles.Kash, WireFixtures.Event("""{"a":1}""", apiVersion: "2026-05-01")));
        Assert.Equal(
            $$$"""{"id":"{{{EventId}}}","type":"trade.completed","apiVersion":"2026-04-29","createdAt":{{{Iso}}},"data":{"a":1}}""",
            Render(WireProfiles.Kash, WireFixtures.Event("""{"a":1}""", apiVersion: null)));
    }

    [Fact]
    public void Kash_event_metadata_replaces_data_metadata_in_place()
    {
        var metadata = new Dictionary<string, string> { ["strategy"] = "momentum-v2", ["cohort"] = "béta & <co>", ["7"] = "index" };
        var body = Render(WireProfiles.Kash, WireFixtures.Event("""{"a":1,"metadata":{"old":true},"b":2}""", metadata: metadata));
        Assert.EndsWith(""","data":{"a":1,"metadata":{"7":"index","strategy":"momentum-v2","cohort":"béta & <co>"},"b":2}}""", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Kash_event_metadata_is_appended_when_data_has_none()
    {
        var metadata = new Dictionary<string, string> { ["strategy"] = "momentum-v2" };
        Assert.EndsWith(
            ""","data":{"a":1,"b":[1.5],"metadata":{"strategy":"momentum-v2"}}}""",
            Render(WireProfiles.Kash, WireFixtures.Event("""{"a":1,"b":[1.50]}""", metadata: metadata)),
            StringComparison.Ordinal);
        Assert.EndsWith(
            ""","data":{"metadata":{"strategy":"momentum-v2"}}}""",
            Render(WireProfiles.Kash, WireFixtures.Event("{}", metadata: metadata)),
            StringComparison.Ordinal);
        // Index keys sort first in JavaScript, so "metadata" lands after them, where JSON.stringify would put it.
        Assert.EndsWith(
            ""","data":{"1":0,"z":1,"metadata":{"strategy":"momentum-v2"}}}""",
            Render(WireProfiles.Kash, WireFixtures.Event("""{"z":1,"1":0.0}""", metadata: metadata)),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Kash_without_event_metadata_or_with_non_object_data_sends_data_as_published()
    {
        Assert.EndsWith(""","data":{"metadata":{"x":"y"}}}""", Render(WireProfiles.Kash, WireFixtures.Event("""{"metadata":{"x":"y"}}""")), StringComparison.Ordinal);
        var metadata = new Dictionary<string, string> { ["strategy"] = "momentum-v2" };
        Assert.EndsWith(""","data":[1,2]}""", Render(WireProfiles.Kash, WireFixtures.Event("[1.0,2]", metadata: metadata)), StringComparison.Ordinal);
    }

    [Fact]
    public void Kash_metadata_with_duplicate_data_keys_lands_at_the_first_position()
    {
        var metadata = new Dictionary<string, string> { ["k"] = "v" };
        var body = Render(WireProfiles.Kash, WireFixtures.Event("""{"metadata":1,"a":2,"metadata":3}""", metadata: metadata));
        Assert.EndsWith(""","data":{"metadata":{"k":"v"},"a":2}}""", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Envelope_times_are_the_events_own_in_UTC_milliseconds()
    {
        var offset = WireFixtures.Event("{}") with { CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 6, TimeSpan.FromHours(-5)).AddTicks(9999) };
        Assert.Contains("\"timestamp\":\"2026-01-02T08:04:05.006Z\"", Render(WireProfiles.Standard, offset), StringComparison.Ordinal);
        Assert.Contains("\"createdAt\":\"2026-01-02T08:04:05.006Z\"", Render(WireProfiles.Kash, offset), StringComparison.Ordinal);
        Assert.Contains("\"created_at\":\"2026-01-02T08:04:05.006Z\"", Render(WireProfiles.Generic, offset), StringComparison.Ordinal);
    }

    [Fact]
    public void Envelope_strings_are_escaped_as_JavaScript_does()
    {
        var e = WireFixtures.Event("null") with { EventType = "type\"<&>'+é🚀\n" };
        Assert.StartsWith("{\"event\":\"type\\\"<&>'+é🚀\\n\",", Render(WireProfiles.V2k, e), StringComparison.Ordinal);
    }

    [Fact]
    public void Standard_signs_id_attempt_seconds_and_body_with_the_whsec_key()
    {
        var e = WireFixtures.Event();
        var body = WireProfiles.Standard.RenderBody(e);
        var headers = WireProfiles.Standard.SignatureHeaders(e, body, [Secret], WireFixtures.AttemptAt);
        Assert.Equal(["webhook-id", "webhook-timestamp", "webhook-signature"], headers.Select(h => h.Key));
        Assert.Equal(EventId, WireFixtures.Header(headers, "webhook-id"));
        Assert.Equal(AttemptSeconds, WireFixtures.Header(headers, "webhook-timestamp"));
        Assert.Equal(StandardSignature(Secret, EventId, AttemptSeconds, body), WireFixtures.Header(headers, "webhook-signature"));
    }

    [Fact]
    public void Standard_matches_the_published_Standard_Webhooks_test_vector()
    {
        // The example of the Standard Webhooks specification and Svix's manual verification docs.
        var signature = WireSigning.StandardSignature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}"""u8);
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void Standard_rotation_sends_one_signature_per_secret_space_separated_current_first()
    {
        var e = WireFixtures.Event();
        var body = WireProfiles.Standard.RenderBody(e);
        var headers = WireProfiles.Standard.SignatureHeaders(e, body, [Secret, Previous], WireFixtures.AttemptAt);
        Assert.Equal(
            StandardSignature(Secret, EventId, AttemptSeconds, body) + " " + StandardSignature(Previous, EventId, AttemptSeconds, body),
            WireFixtures.Header(headers, "webhook-signature"));
    }

    [Fact]
    public void Svix_signs_as_standard_under_svix_names()
    {
        var e = WireFixtures.Event();
        var body = WireProfiles.Svix.RenderBody(e);
        var headers = WireProfiles.Svix.SignatureHeaders(e, body, [Secret, Previous], WireFixtures.AttemptAt);
        Assert.Equal(["svix-id", "svix-timestamp", "svix-signature"], headers.Select(h => h.Key));
        Assert.Equal(EventId, WireFixtures.Header(headers, "svix-id"));
        Assert.Equal(AttemptSeconds, WireFixtures.Header(headers, "svix-timestamp"));
        Assert.Equal(
            StandardSignature(Secret, EventId, AttemptSeconds, body) + " " + StandardSignature(Previous, EventId, AttemptSeconds, body),
            WireFixtures.Header(headers, "svix-signature"));
    }

    [Fact]
    public void Standard_refuses_a_secret_that_is_not_whsec_base64()
    {
        var e = WireFixtures.Event();
        var body = WireProfiles.Standard.RenderBody(e);
        Assert.Throws<ArgumentException>(() => WireProfiles.Standard.SignatureHeaders(e, body, ["plain-secret-1234567"], WireFixtures.AttemptAt));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Signing_needs_at_least_one_secret(string name)
    {
        var profile = WireProfiles.Get(name);
        var e = WireFixtures.Event();
        var body = profile.RenderBody(e);
        Assert.Throws<ArgumentException>(() => profile.SignatureHeaders(e, body, [], WireFixtures.AttemptAt));
        Assert.Throws<ArgumentException>(() => profile.SignatureHeaders(e, body, [""], WireFixtures.AttemptAt));
    }

    [Fact]
    public void Kash_signs_attempt_milliseconds_and_body_with_one_v1_per_secret()
    {
        var e = WireFixtures.Event(apiVersion: null);
        var body = WireProfiles.Kash.RenderBody(e);
        var headers = WireProfiles.Kash.SignatureHeaders(e, body, [Secret, Previous], WireFixtures.AttemptAt);
        Assert.Equal(["X-Kash-Signature", "X-Kash-Event-Id", "X-Kash-Api-Version"], headers.Select(h => h.Key));
        var signed = Encoding.UTF8.GetBytes(AttemptMilliseconds + ".").Concat(body).ToArray();
        Assert.Equal(
            $"t={AttemptMilliseconds},v1={HexHmac(Secret, signed)},v1={HexHmac(Previous, signed)}",
            WireFixtures.Header(headers, "X-Kash-Signature"));
        Assert.Equal(EventId, WireFixtures.Header(headers, "X-Kash-Event-Id"));
        Assert.Equal("2026-04-29", WireFixtures.Header(headers, "X-Kash-Api-Version"));
    }

    [Fact]
    public void V2k_signs_the_body_with_the_whole_secret_and_names_the_event()
    {
        var e = WireFixtures.Event();
        var body = WireProfiles.V2k.RenderBody(e);
        var headers = WireProfiles.V2k.SignatureHeaders(e, body, [Secret], WireFixtures.AttemptAt);
        Assert.Equal(["X-V2K-Signature", "X-V2K-Event", "X-V2K-Event-Id"], headers.Select(h => h.Key));
        Assert.Equal(HexHmac(Secret, body), WireFixtures.Header(headers, "X-V2K-Signature"));
        Assert.Equal("trade.completed", WireFixtures.Header(headers, "X-V2K-Event"));
        Assert.Equal(EventId, WireFixtures.Header(headers, "X-V2K-Event-Id"));
    }

    [Fact]
    public void Generic_signs_the_body_with_the_whole_secret()
    {
        var e = WireFixtures.Event();
        var body = WireProfiles.Generic.RenderBody(e);
        var headers = WireProfiles.Generic.SignatureHeaders(e, body, [Secret], WireFixtures.AttemptAt);
        Assert.Equal(["X-Webhook-Signature", "X-Webhook-Id"], headers.Select(h => h.Key));
        Assert.Equal(HexHmac(Secret, body), WireFixtures.Header(headers, "X-Webhook-Signature"));
        Assert.Equal(EventId, WireFixtures.Header(headers, "X-Webhook-Id"));
    }

    [Fact]
    public void Github_signs_the_body_as_sha256_hex()
    {
        var e = WireFixtures.Event();
        var body = WireProfiles.Github.RenderBody(e);
        var headers = WireProfiles.Github.SignatureHeaders(e, body, [Secret], WireFixtures.AttemptAt);
        Assert.Equal(["X-Hub-Signature-256", "X-GitHub-Event", "X-GitHub-Delivery"], headers.Select(h => h.Key));
        Assert.Equal("sha256=" + HexHmac(Secret, body), WireFixtures.Header(headers, "X-Hub-Signature-256"));
        Assert.Equal("trade.completed", WireFixtures.Header(headers, "X-GitHub-Event"));
        Assert.Equal(EventId, WireFixtures.Header(headers, "X-GitHub-Delivery"));
    }

    [Theory]
    [InlineData(Profiles.V2k, "X-V2K-Signature", "")]
    [InlineData(Profiles.Generic, "X-Webhook-Signature", "")]
    [InlineData(Profiles.Github, "X-Hub-Signature-256", "sha256=")]
    public void Single_signature_schemes_keep_the_current_signature_alone_and_add_the_previous_in_its_own_header(
        string name, string header, string prefix)
    {
        var profile = WireProfiles.Get(name);
        var e = WireFixtures.Event();
        var body = profile.RenderBody(e);
        var single = profile.SignatureHeaders(e, body, [Secret], WireFixtures.AttemptAt);
        var rotating = profile.SignatureHeaders(e, body, [Secret, Previous], WireFixtures.AttemptAt);
        Assert.DoesNotContain(single, h => h.Key == header + "-Previous");
        Assert.Equal(prefix + HexHmac(Secret, body), WireFixtures.Header(rotating, header));
        Assert.Equal(prefix + HexHmac(Previous, body), WireFixtures.Header(rotating, header + "-Previous"));
        Assert.Equal(single.Count + 1, rotating.Count);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Only_signature_timestamps_move_with_the_attempt(string name)
    {
        var profile = WireProfiles.Get(name);
        var e = WireFixtures.Event();
        var body = profile.RenderBody(e);
        var first = profile.SignatureHeaders(e, body, [Secret], WireFixtures.AttemptAt);
        var same = profile.SignatureHeaders(e, body, [Secret], WireFixtures.AttemptAt);
        Assert.Equal(first, same);
        var later = profile.SignatureHeaders(e, body, [Secret], WireFixtures.AttemptAt.AddMinutes(3));
        var timed = name is Profiles.Standard or Profiles.Svix or Profiles.Kash;
        Assert.Equal(!timed, first.SequenceEqual(later));
    }

    [Fact]
    public void Render_gives_body_content_type_user_agent_and_headers_for_one_attempt()
    {
        var e = WireFixtures.Event();
        var request = WireProfiles.Kash.Render(e, [Secret], WireFixtures.AttemptAt);
        Assert.Equal(WireProfiles.Kash.RenderBody(e), request.Body.ToArray());
        Assert.Equal("application/json; charset=utf-8", request.ContentType);
        Assert.Equal("KashDAO-Webhook-Delivery/1.0", request.UserAgent);
        Assert.Equal(WireProfiles.Kash.SignatureHeaders(e, request.Body, [Secret], WireFixtures.AttemptAt), request.Headers);
    }

    [Fact]
    public void EnvelopeInput_from_a_published_event_keeps_its_time()
    {
        var published = new EventPublished(
            "evt_1", "trade.completed", WireFixtures.Parse("""{"a":1}"""), "2026-04-29",
            new Dictionary<string, string> { ["k"] = "v" }, "key", WireFixtures.CreatedAt, []);
        var input = EnvelopeInput.From(published, "wh_1");
        Assert.Equal(("evt_1", "trade.completed", "2026-04-29", WireFixtures.CreatedAt, "wh_1"),
            (input.EventId, input.EventType, input.ApiVersion, input.CreatedAt, input.WebhookId));
        Assert.Equal("v", input.Metadata!["k"]);
        Assert.Equal(JsonValueKind.Object, input.Data.ValueKind);
    }

    private static string Render(IWireProfile profile, EnvelopeInput e) => Encoding.UTF8.GetString(profile.RenderBody(e));

    private static string StandardSignature(string secret, string id, string timestamp, byte[] body)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    private static string HexHmac(string secret, byte[] signed) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
}
