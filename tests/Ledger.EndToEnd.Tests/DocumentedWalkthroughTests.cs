using System.Text.RegularExpressions;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// The docs' commands, run as a user pastes them into a shell: every fenced block of a page marked
/// <c>&lt;!-- tested: walkthrough --&gt;</c>, in order, against a real server in the Development environment on
/// loopback, with a throwaway data directory. A shell block that cannot run here (Docker, a production database)
/// says so with <c>&lt;!-- untested: why --&gt;</c>; a block with neither fails the docs check.
/// </summary>
public sealed class DocumentedWalkthroughTests
{
    [Fact]
    public async Task The_getting_started_walkthrough_runs_by_copy_and_paste_and_delivers_its_event()
    {
        var output = await RunWalkthroughAsync("docs/getting-started.md");

        Assert.Matches("webhook wh_", output);
        Assert.Matches("\"status\":\"delivered\"", output);
        Assert.Contains("\"streamId\":\"delivery-wh_", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_walkthrough_exports_and_verifies_by_copy_and_paste()
    {
        var output = await RunWalkthroughAsync("docs/audit.md");

        Assert.Equal(2, output.Split('\n').Count(l => l.StartsWith("OK: ", StringComparison.Ordinal)));
        Assert.Contains("FAILED at line 1:", output, StringComparison.Ordinal);
        Assert.Contains("deliveryId,webhookId,eventId,eventType", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_portal_token_commands_make_a_token_for_one_webhook_and_revoke_it()
    {
        var output = await RunWalkthroughAsync("docs/portal-tokens.md");

        Assert.Matches("\"id\":\"pt_[^\"]+\",\"token\":\"[^\"]+\",\"url\":\"/inspector\\?token=", output);
        Assert.Matches("\"webhookIds\":\\[\"wh_[^\"]+\"\\]", output);
        Assert.EndsWith("204", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_operations_commands_show_the_verbs_back_up_the_running_server_and_restore_elsewhere()
    {
        var output = await RunWalkthroughAsync("docs/operations.md");

        Assert.Contains("backup <FILE>", output, StringComparison.Ordinal);
        Assert.Contains("Backed up ", output, StringComparison.Ordinal);
        Assert.Contains("Restored the ledger ", output, StringComparison.Ordinal);
        Assert.Contains("Rebuilt from ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rest_commands_answer_as_the_page_says()
    {
        var output = await RunWalkthroughAsync("docs/rest.md");

        Assert.Matches("\"openapi\": *\"3\\.1", output);
        Assert.Matches("\\{\"error\":\\{\"code\":\"VALIDATION_FAILED\",\"message\":\"[^\"]+\",\"field\":\"limit\"\\}\\}", output);
        Assert.Contains("\"code\":\"NOT_FOUND\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_rotations_of_the_keys_page_run_against_a_live_server()
    {
        var output = await RunWalkthroughAsync("docs/keys.md");

        Assert.True(Regex.Count(output, "Re-wrapped [0-9]+ data key") == 2, output);
        Assert.Contains("New signing key erd1", output, StringComparison.Ordinal);
        Assert.True(Regex.Count(output, "\"publicKey\":\"[0-9a-f]{64}\",\"active\"") == 2, output);
    }

    [Fact]
    public async Task The_security_page_refusals_are_the_answers_a_user_gets()
    {
        var output = await RunWalkthroughAsync("docs/security.md");

        Assert.Contains("401", output, StringComparison.Ordinal);
        Assert.Contains("\"field\":\"authorization\"", output, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"PAYLOAD_TOO_LARGE\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_readme_graphql_example_answers_with_deliveries()
    {
        var output = await RunWalkthroughAsync("README.md");

        Assert.Contains("{\"data\":{\"deliveries\":{\"edges\":", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The README's two set-up commands (<c>&lt;!-- tested: setup --&gt;</c>): the server start, the same as
    /// getting-started's and with the key its walkthrough uses, and <c>./test.sh</c>, which is what CI runs.
    /// </summary>
    [Fact]
    public async Task The_readme_set_up_commands_are_the_ones_the_docs_and_ci_use()
    {
        var readme = SetupBlocks("README.md");
        var gettingStarted = SetupBlocks("docs/getting-started.md");
        var ci = await File.ReadAllTextAsync(Path.Combine(NodeScripts.RepoRoot, ".ci", "run"));
        var walkthrough = await File.ReadAllTextAsync(Path.Combine(NodeScripts.RepoRoot, "docs", "getting-started.md"));

        Assert.Equal(2, readme.Count);
        Assert.Equal(Assert.Single(gettingStarted), readme[0]);
        var start = Regex.Match(readme[0], "^LEDGER_BOOTSTRAP_API_KEY=(\\S+) dotnet run --project (\\S+)$");
        Assert.True(start.Success, readme[0]);
        Assert.Contains($"KEY=${{KEY:-{start.Groups[1].Value}}}", walkthrough, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(NodeScripts.RepoRoot, start.Groups[2].Value, "Ledger.Server.csproj")));
        Assert.Equal("./test.sh", readme[1]);
        Assert.Contains("\nexec ./test.sh\n", ci, StringComparison.Ordinal);
    }

    private static List<string> SetupBlocks(string page) =>
        MarkdownBlocks.Of(page).Where(b => b.Marker == "setup").Select(b => b.Text.Trim()).ToList();

    [Fact]
    public void Every_shell_block_in_the_docs_is_run_by_the_tests_or_says_why_not()
    {
        var unmarked = MarkdownBlocks.Pages().SelectMany(MarkdownBlocks.Of)
            .Where(b => b.Language is "bash" or "sh" or "shell" or "console" && b.Marker is null && b.Untested is null)
            .Select(b => $"{b.Page}:{b.Line}")
            .ToList();

        Assert.True(unmarked.Count == 0, $"shell blocks marked neither <!-- tested: NAME --> nor <!-- untested: why -->: {string.Join(", ", unmarked)}");
    }

    /// <summary>
    /// Runs the page's tested blocks in order from a fresh directory, with <c>KEY</c>, <c>API</c>, <c>LEDGER</c> (the
    /// built binary), <c>REPO</c>, the server's storage settings (so a verb acts on the running server's ledger), and
    /// <c>TMPDIR</c>, <c>BACKUPS</c>, <c>RESTORE_TO</c> and <c>SECURE</c> inside that directory; returns what they print.
    /// </summary>
    private static async Task<string> RunWalkthroughAsync(string page)
    {
        var blocks = MarkdownBlocks.Of(page).Where(b => b.Marker == "walkthrough" && b.Language == "bash").Select(b => b.Text).ToList();
        Assert.NotEmpty(blocks);
        await using var server = await LedgerServer.StartAsync(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" });
        var workDirectory = Directory.CreateTempSubdirectory("ledger-walkthrough-");
        try
        {
            var binary = Path.Combine(LedgerServer.ServerBuildDirectory(), "Ledger.Server.dll");
            var work = workDirectory.FullName;
            var script = $"set -euo pipefail\nexport TMPDIR='{work}' BACKUPS='{work}/backups' RESTORE_TO='{work}/restored' SECURE='{work}/secure'\ncd '{work}'\n"
                + string.Concat(server.StorageSettings.Select(s => $"export {s.Key}='{s.Value}'\n"))
                + $"export KEY='{LedgerServer.ApiKey}' API='{server.BaseAddress.ToString().TrimEnd('/')}' LEDGER='dotnet {binary}'\n"
                + $"REPO='{NodeScripts.RepoRoot}'\n"
                + string.Join("\n", blocks.Select(b => b.Replace("node scripts/", "node \"$REPO\"/scripts/", StringComparison.Ordinal)));

            return await NodeScripts.RunProgramAsync("bash", ["-c", script], "", "install bash and curl (apt-get install curl)");
        }
        finally
        {
            workDirectory.Delete(recursive: true);
        }
    }
}
