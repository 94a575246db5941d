namespace Ledger.Server.Tests;

/// <summary>A bad setting stops the real server at start with one line naming the rule and exit code 1, no stack trace.</summary>
public sealed class StartupConfigurationTests
{
    private static async Task<(int ExitCode, string Output)> StartWithAsync(params (string Key, string Value)[] settings)
    {
        using var directory = new TempDirectory("ledger-startup");
        var info = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(LedgerServer.ServerBuildDirectory(), "Ledger.Server.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Ledger__Storage__Sqlite__Path"] = directory.File("ledger.db");
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    [Theory]
    [InlineData("tenantA:keyA", "'tenantA' is not a tenant id")]
    [InlineData("acme:short", "the key for tenant 'acme' is refused")]
    public async Task A_bad_bootstrap_key_stops_the_server_with_the_rule(string bootstrap, string says)
    {
        var (exitCode, output) = await StartWithAsync(("LEDGER_BOOTSTRAP_API_KEY", bootstrap));

        Assert.Equal(1, exitCode);
        Assert.Contains(says, output, StringComparison.Ordinal);
        Assert.Contains("a key is 16 to 256 characters", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("keyA", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ledger__Delivery__TimeoutSeconds", "0", "Ledger:Delivery:TimeoutSeconds")]
    [InlineData("Ledger__Delivery__TimeoutSeconds", "ten", "Ledger:Delivery:TimeoutSeconds")]
    [InlineData("Ledger__Limits__WebhooksPerTenant", "0", "Ledger:Limits:WebhooksPerTenant")]
    [InlineData("Ledger__Health__MaxProjectionLag", "-1", "MaxProjectionLag")]
    [InlineData("Ledger__Metrics__RequireApiKey", "maybe", "Ledger:Metrics:RequireApiKey")]
    public async Task A_bad_setting_stops_the_server_with_its_name(string key, string value, string named)
    {
        var (exitCode, output) = await StartWithAsync((key, value));

        Assert.Equal(1, exitCode);
        Assert.Contains(named, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_generated_first_key_is_printed_once_and_never_logged()
    {
        await using var server = await LedgerServer.StartAsync(new Dictionary<string, string>
        {
            ["LEDGER_BOOTSTRAP_API_KEY"] = "",
            ["Logging__LogLevel__Default"] = "Information",
        });

        var key = System.Text.RegularExpressions.Regex.Match(server.Output, "ldg_[A-Za-z0-9_-]+").Value;
        Assert.NotEmpty(key);
        Assert.Equal(2, server.Output.Split(key).Length);
        using var client = server.Client(key);
        await (await client.GetAsync(new Uri("/v1/webhooks", UriKind.Relative))).JsonAsync(200);
    }
}
