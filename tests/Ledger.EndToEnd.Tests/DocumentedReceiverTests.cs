using System.Security.Cryptography;
using System.Text.Json;
using LedgerReceiver;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// The receiver snippets of docs/wire-profiles.md, in Node.js, Python and C#, as a user pastes them: each accepts a
/// real delivery of every profile and rejects a tampered body, a wrong secret and, where the profile signs a
/// timestamp, a stale request. The page must show each snippet file verbatim, so what is tested is what is read.
/// </summary>
public sealed class DocumentedReceiverTests(ServerFixture<OnSqlite> fixture) : IClassFixture<ServerFixture<OnSqlite>>
{
    private static readonly string[] Snippets = ["ledger-webhooks.mjs", "ledger_webhooks.py", "LedgerWebhookVerifier.cs"];

    private readonly HttpClient _client = fixture.Server.Client();
    private readonly string _type = "t" + Guid.NewGuid().ToString("N")[..10] + ".documented";

    [Fact]
    public void The_wire_profiles_page_shows_each_receiver_snippet_verbatim()
    {
        var page = File.ReadAllText(Path.Combine(NodeScripts.RepoRoot, "docs", "wire-profiles.md")).ReplaceLineEndings("\n");
        foreach (var snippet in Snippets)
        {
            var code = File.ReadAllText(Path.Combine(NodeScripts.RepoRoot, "docs", "receivers", snippet)).ReplaceLineEndings("\n");
            Assert.True(page.Contains("\n" + code, StringComparison.Ordinal), $"docs/wire-profiles.md does not show docs/receivers/{snippet} as it is");
        }
    }

    [Theory]
    [InlineData("standard", true)]
    [InlineData("svix", true)]
    [InlineData("kash", true)]
    [InlineData("v2k", false)]
    [InlineData("generic", false)]
    [InlineData("github", false)]
    public async Task Each_snippet_accepts_a_real_delivery_and_rejects_a_tampered_body_a_wrong_secret_and_a_stale_request(string profile, bool signsTime)
    {
        await using var receiver = await Receiver.StartAsync();
        var webhook = await _client.CreateWebhookAsync(new { url = receiver.Url(), profile, events = new[] { _type } });
        var secret = webhook.GetProperty("secret").GetString()!;
        var other = await _client.CreateWebhookAsync(new { url = receiver.Url("/other"), profile, events = new[] { "never.sent" } });
        var wrongSecret = other.GetProperty("secret").GetString()!;
        await _client.PublishAsync(new { type = _type, data = new { amount = "100", note = "café ✓ & <b>" }, apiVersion = "2026-04-29" });
        var request = (await receiver.WaitForCountAsync(1))[0];
        var tampered = (byte[])request.Body.Clone();
        tampered[^2] ^= 0x01;

        (string Name, string Secret, byte[] Body, DateTimeOffset Now, bool Expected)[] cases =
        [
            ("genuine", secret, request.Body, request.At, true),
            ("tampered body", secret, tampered, request.At, false),
            ("wrong secret", wrongSecret, request.Body, request.At, false),
            ("ten minutes later", secret, request.Body, request.At.AddMinutes(10), !signsTime),
        ];
        var input = JsonSerializer.Serialize(cases.Select(c => new
        {
            profile,
            secret = c.Secret,
            headers = request.Headers,
            bodyBase64 = Convert.ToBase64String(c.Body),
            nowMs = c.Now.ToUnixTimeMilliseconds(),
        }));

        var verdicts = new Dictionary<string, bool[]>
        {
            ["node"] = Parse(await NodeScripts.RunAsync("documented-receiver.mjs", input)),
            ["python"] = Parse(await NodeScripts.RunProgramAsync("python3", ["tests/python/documented_receiver.py"], input, "install Python 3.8+ (apt-get install python3)")),
            ["csharp"] = [.. cases.Select(c => LedgerWebhookVerifier.Verify(profile, c.Secret, request.Headers, c.Body, c.Now))],
        };

        foreach (var (language, answers) in verdicts)
        {
            for (var i = 0; i < cases.Length; i++)
            {
                Assert.True(answers[i] == cases[i].Expected, $"{language} snippet, {profile}, {cases[i].Name}: answered {answers[i]}");
            }
        }
    }

    [Fact]
    public void The_csharp_snippet_accepts_the_previous_secrets_signature_during_a_rotation()
    {
        var body = "{\"id\":\"evt_1\"}"u8.ToArray();
        var oldSecret = "old_secret_0123456789";
        var signature = Convert.ToHexString(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(oldSecret), body)).ToLowerInvariant();
        var headers = new Dictionary<string, string> { ["X-Webhook-Signature"] = new string('0', 64), ["X-Webhook-Signature-Previous"] = signature };

        Assert.True(LedgerWebhookVerifier.Verify("generic", oldSecret, headers, body));
        Assert.False(LedgerWebhookVerifier.Verify("generic", "new_secret_0123456789", headers, body));
    }

    private static bool[] Parse(string output) => JsonSerializer.Deserialize<bool[]>(output)!;
}
