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
        foreach (var package in new[] { "standardwebhooks", "svix", "stripe", "@multiversx/sdk-core" })
        {
            if (!File.Exists(Path.Combine(modules, package, "package.json")))
            {
                var where = Environment.GetEnvironmentVariable("CI") == "true" ? "CI must install them" : "install them";
                Assert.Fail($"The npm package '{package}' is missing from tests/node/node_modules; {where}: {SetupHint}.");
            }
        }
    }

    /// <summary>Runs <c>node tests/node/{script}</c> with <paramref name="stdin"/> and returns its standard output.</summary>
    public static Task<string> RunAsync(string script, string stdin) =>
        RunProgramAsync("node", [Path.Combine("tests", "node", script)], stdin, $"install Node.js 20+ and {SetupHint}");

    /// <summary>
    /// Runs <paramref name="program"/> in the repository root with <paramref name="stdin"/> and returns its standard
    /// output; fails the test when it cannot start (<paramref name="installHint"/> says how to get it), fails or hangs.
    /// </summary>
    public static async Task<string> RunProgramAsync(string program, IReadOnlyList<string> arguments, string stdin, string installHint)
    {
        var run = await RunProgramToExitAsync(program, arguments, stdin, installHint);
        Assert.True(run.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {run.ExitCode}: {run.Errors}");
        return run.Output;
    }

    /// <summary>Like <see cref="RunProgramAsync"/>, but hands back the exit code instead of requiring 0.</summary>
    public static async Task<BinaryRun> RunProgramToExitAsync(string program, IReadOnlyList<string> arguments, string stdin, string installHint)
    {
        var start = new ProcessStartInfo(program)
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
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var name = $"{program} {string.Join(' ', arguments)}";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"Could not start `{program}` ({ex.Message}); {installHint}.");
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
                Assert.Fail($"{name} did not finish within {Timeout.TotalSeconds} s");
            }
            return new BinaryRun(process.ExitCode, await stdout, await stderr);
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
