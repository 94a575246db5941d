using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ledger.Domain;
using Ledger.Server.Auth;
using Ledger.Server.Exports;
using Microsoft.Extensions.DependencyInjection;
using NSec.Cryptography;

namespace Ledger.Server.Tests;

/// <summary>
/// Ledger exports (docs/audit.md) checked by the three verifiers an auditor may use — the verify class, the
/// <c>verify</c> verb of the binary and scripts/verify-export.mjs — on intact and tampered files.
/// </summary>
public sealed class LedgerExportTests : IAsyncLifetime
{
    private readonly InProcessServer _server = new(("Ledger:Delivery:AllowPrivateNetworks", "true"));
    private readonly TempDirectory _directory = new("ledger-exports");
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        _client = _server.Client();
        var webhook = (await _client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/export", retrySchedule = Array.Empty<int>() })).Id();
        for (var i = 0; i < 4; i++)
        {
            await _client.PublishAsync(new { type = "order.created", data = new { i, note = "=SUM(A1) \"quoted\"\nline é" }, orderingKey = "k" + (i % 2) });
        }
        Assert.NotEmpty(webhook);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _directory.Dispose();
    }

    private async Task<string> ExportAsync(HttpClient client, string query = "")
    {
        var response = await client.GetAsync(new Uri("/v1/exports/ledger?format=jsonl" + query, UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private string Save(string text, string name = "export.jsonl")
    {
        var path = _directory.File(name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private static ExportVerification Check(string text, byte[]? pinned = null) =>
        ExportVerifier.Verify(new MemoryStream(Encoding.UTF8.GetBytes(text)), pinned);

    private static Task<BinaryRun> NodeVerifyAsync(string path, params string[] more) =>
        NodeScripts.RunProgramToExitAsync("node", ["scripts/verify-export.mjs", path, .. more], "", "install Node.js 20+");

    private async Task<string> PublicKeyAsync() =>
        (await (await _client.GetAsync(new Uri("/v1/signing-keys", UriKind.Relative))).JsonAsync(200)).GetProperty("publicKey").GetString()!;

    [Fact]
    public async Task Export_is_position_ordered_withholds_secrets_and_verifies_with_the_cli_and_the_node_script()
    {
        var text = await ExportAsync(_client);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(events.Select(e => e.GetProperty("position").GetInt64()).Order(), events.Select(e => e.GetProperty("position").GetInt64()));
        var created = Assert.Single(events, e => e.GetProperty("type").GetString() == "webhook.registered.v1");
        Assert.Equal(JsonValueKind.Null, created.GetProperty("data").ValueKind);
        Assert.DoesNotContain("whsec_", text, StringComparison.Ordinal);
        Assert.All(events, e => Assert.Equal(2, e.GetProperty("hashVersion").GetInt32()));
        var manifest = JsonDocument.Parse(lines[^1]).RootElement.GetProperty("manifest");
        Assert.Equal(("default", events.Count), (manifest.GetProperty("tenant").GetString(), manifest.GetProperty("count").GetInt32()));
        var publicKey = await PublicKeyAsync();
        Assert.Equal(publicKey, manifest.GetProperty("publicKey").GetString());

        var path = Save(text);
        var pinned = await LedgerServer.RunBinaryAsync(new Dictionary<string, string>(), "verify", path, "--public-key", publicKey);
        Assert.True(pinned.ExitCode == 0, pinned.Output + pinned.Errors);
        Assert.StartsWith("OK: ", pinned.Output, StringComparison.Ordinal);
        Assert.Contains("pinned key erd1", pinned.Output, StringComparison.Ordinal);
        var unpinned = await LedgerServer.RunBinaryAsync(new Dictionary<string, string>(), "verify", path);
        Assert.Equal(0, unpinned.ExitCode);
        Assert.Contains("checked only against the manifest's own key", unpinned.Output, StringComparison.Ordinal);
        var node = await NodeVerifyAsync(path, "--public-key", publicKey);
        Assert.True(node.ExitCode == 0, node.Output + node.Errors);
        Assert.StartsWith("OK: ", node.Output, StringComparison.Ordinal);
    }

    public static TheoryData<string> Tamperings => ["byte", "drop", "swap", "cut", "cut-line"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Tampered_export_fails_every_verifier_naming_the_first_bad_line(string how)
    {
        var lines = (await ExportAsync(_client)).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        var withData = lines.FindIndex(l => l.Contains("\\\"i\\\":", StringComparison.Ordinal));
        var (tampered, firstBad, lastBad) = how switch
        {
            // One digit of an event's data changes: its data no longer matches its digest.
            "byte" => (Join(lines.Select((l, i) => i == withData ? ChangeOneDataByte(l) : l)), withData + 1, withData + 1),
            // Line 4 is dropped: a later line of its stream jumps a version, or its stream ends short of the manifest.
            "drop" => (Join(lines.Where((_, i) => i != 3)), 4, lines.Count - 1),
            "swap" => (Join([.. lines[..2], lines[3], lines[2], .. lines[4..]]), 3, 4),
            "cut" => (Join(lines[..^1]), lines.Count, lines.Count),
            "cut-line" => (string.Join('\n', lines)[..^10], lines.Count, lines.Count),
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };

        var result = Check(tampered);
        var path = Save(tampered, how + ".jsonl");
        var cli = await LedgerServer.RunBinaryAsync(new Dictionary<string, string>(), "verify", path);
        var node = await NodeVerifyAsync(path);

        Assert.False(result.Intact);
        Assert.InRange(result.BadLine!.Value, firstBad, lastBad);
        Assert.Equal((1, result.Summary), (cli.ExitCode, cli.Output.Trim()));
        Assert.Equal(1, node.ExitCode);
        Assert.StartsWith($"FAILED at line {result.BadLine}:", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manifest_signed_by_another_key_fails_when_the_server_key_is_pinned()
    {
        var lines = (await ExportAsync(_client)).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        var manifest = JsonDocument.Parse(lines[^1]).RootElement.GetProperty("manifest").GetRawText();
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        var otherPublic = Convert.ToHexStringLower(other.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        var resigned = manifest.Replace(await PublicKeyAsync(), otherPublic, StringComparison.Ordinal);
        var signature = Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(other, Encoding.UTF8.GetBytes(resigned)));
        var forged = Join([.. lines[..^1], $"{{\"manifest\":{resigned},\"signature\":\"{signature}\"}}"]);
        var path = Save(forged);
        var serverKey = await PublicKeyAsync();

        var unpinned = Check(forged);
        var pinned = await LedgerServer.RunBinaryAsync(new Dictionary<string, string>(), "verify", path, "--public-key", serverKey);
        var node = await NodeVerifyAsync(path, "--public-key", serverKey);

        Assert.True(unpinned.Intact, unpinned.Summary);
        Assert.Equal(1, pinned.ExitCode);
        Assert.Equal($"FAILED at line {lines.Count}: the manifest is signed by {otherPublic}, not by the pinned key (wrong key)", pinned.Output.Trim());
        Assert.Equal((1, pinned.Output), (node.ExitCode, node.Output));
    }

    [Fact]
    public async Task Mid_stream_export_verifies_from_the_prev_hash_its_manifest_names()
    {
        var all = (await ExportAsync(_client)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var third = all.Select(l => JsonDocument.Parse(l).RootElement).First(e => e.TryGetProperty("version", out var v) && v.GetInt64() == 2);
        var stream = third.GetProperty("streamId").GetString()!;

        var text = await ExportAsync(_client, $"&from={third.GetProperty("position").GetInt64()}&streams={stream}");
        var chains = JsonDocument.Parse(text.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement.GetProperty("manifest").GetProperty("chains");

        Assert.Contains(chains.EnumerateObject(), c => c.Value.GetProperty("firstVersion").GetInt64() > 0 && c.Value.GetProperty("firstPrevHash").GetString()!.Length == 64);
        Assert.All(chains.EnumerateObject(), c => Assert.StartsWith(stream, c.Name, StringComparison.Ordinal));
        Assert.True(Check(text).Intact, Check(text).Summary);
        Assert.Equal(0, (await NodeVerifyAsync(Save(text))).ExitCode);
    }

    [Fact]
    public async Task Another_tenant_never_gets_this_tenants_events()
    {
        var otherKey = (await _server.Services.GetRequiredService<ApiKeys>().CreateAsync(new TenantId("other"), null, CancellationToken.None)).Secret;
        using var other = _server.Client();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", otherKey);

        var text = await ExportAsync(other);

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var manifest = JsonDocument.Parse(lines[^1]).RootElement.GetProperty("manifest");
        Assert.Equal(("other", 0, 1), (manifest.GetProperty("tenant").GetString(), manifest.GetProperty("count").GetInt32(), lines.Length));
        Assert.DoesNotContain("default", text.Replace("\"tenant\":\"other\"", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(Check(text).Intact, Check(text).Summary);
    }

    [Theory]
    [InlineData("?format=csv", "format")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?to=-4", "to")]
    [InlineData("?streams=a%22b", "streams")]
    public async Task Bad_export_parameters_answer_400_naming_the_parameter(string query, string field)
    {
        var response = await _client.GetAsync(new Uri("/v1/exports/ledger" + query, UriKind.Relative));

        var error = (await response.JsonAsync(400)).GetProperty("error");
        Assert.Equal(field, error.GetProperty("field").GetString());
    }

    private static string Join(IEnumerable<string> lines) => string.Join('\n', lines) + "\n";

    private static string ChangeOneDataByte(string line)
    {
        var at = line.IndexOf("\\\"i\\\":", StringComparison.Ordinal) + 6;
        Assert.True(at > 6, line);
        var digit = line[at];
        return line[..at] + (digit == '9' ? '8' : (char)(digit + 1)) + line[(at + 1)..];
    }
}
