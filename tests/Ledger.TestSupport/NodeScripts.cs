using System.Diagnostics;
using System.Text;
using Xunit;

namespace Ledger.TestSupport;

/// <summary>Runs the scripts of tests/node, which hold Ledger's wire output against JavaScript and the receivers' libraries.</summary>
public static class NodeScripts
{
    public const string SetupHint = "run `npm ci --prefix tests/node` from the repository root (Node.js 20+ needed)";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string NodeDirectory => Path.Combine(RepoRoot, "tests", "node");

    /// <summary>Fails, never skips, when the verifier libraries are not installed: a skipped check proves nothing.</summary>
    public static void RequireModules()
    {
        var modules = Path.Combine(NodeDirectory, "node_modules");
        foreach (var package in new[] { "standardwebhooks", "svix", "stripe" })
        {
            if (!File.Exists(Path.Combine(modules, package, "package.json")))
            {
                var where = Environment.GetEnvironmentVariable("CI") == "true" ? "CI must install them" : "install them";
                Assert.Fail($"The npm package '{package}' is missing from tests/node/node_modules; {where}: {SetupHint}.");
            }
        }
    }

    /// <summary>Runs <c>node tests/node/{script}</c> with <paramref name="stdin"/> and returns its standard output.</summary>
    public static async Task<string> RunAsync(string script, string stdin)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Path.Combine("tests", "node", script));

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"Could not start `node` ({ex.Message}); install Node.js 20+ and {SetupHint}.");
            throw;
        }
        using (process)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.StandardInput.WriteAsync(stdin.AsMemory(), timeout.Token);
            process.StandardInput.Close();
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"node {script} did not finish within {Timeout.TotalSeconds} s");
            }
            var output = await stdout;
            var errors = await stderr;
            Assert.True(process.ExitCode == 0, $"node {script} exited with {process.ExitCode}: {errors}");
            return output;
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Ledger.sln above {AppContext.BaseDirectory}");
    }
}
