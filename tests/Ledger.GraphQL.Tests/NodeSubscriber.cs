using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Ledger.GraphQL.Tests;

/// <summary>
/// The npm graphql-ws client, run by Node (tests/node/graphql-subscribe.mjs, or a script of the docs), printing what
/// it receives line by line.
/// </summary>
public sealed class NodeSubscriber : IDisposable
{
    public const string SetupHint = "run `npm ci --prefix tests/node` from the repository root (Node.js 20+ needed)";

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _errors = new();

    private NodeSubscriber(Process process) => _process = process;

    /// <summary>Fails, never skips, when graphql-ws is not installed: a skipped client test proves nothing.</summary>
    public static void RequireModules()
    {
        foreach (var package in new[] { "graphql-ws", "ws", "graphql" })
        {
            if (!File.Exists(Path.Combine(Repository.Root, "tests", "node", "node_modules", package, "package.json")))
            {
                Assert.Fail($"The npm package '{package}' is missing from tests/node/node_modules; {SetupHint}.");
            }
        }
    }

    public static NodeSubscriber Start(object input) =>
        Launch(Path.Combine("tests", "node", "graphql-subscribe.mjs"), new Dictionary<string, string>(), JsonSerializer.Serialize(input));

    /// <summary>Runs <paramref name="script"/> (a path from the repository root) with <paramref name="environment"/> set.</summary>
    public static NodeSubscriber StartScript(string script, IReadOnlyDictionary<string, string> environment) => Launch(script, environment, "");

    private static NodeSubscriber Launch(string script, IReadOnlyDictionary<string, string> environment, string stdin)
    {
        RequireModules();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(script);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
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
        var subscriber = new NodeSubscriber(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                subscriber._lines.Writer.TryComplete();
            }
            else
            {
                subscriber._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (subscriber._errors)
            {
                subscriber._errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        return subscriber;
    }

    /// <summary>The next line the client printed, as JSON.</summary>
    public async Task<JsonElement> NextAsync(TimeSpan timeout) => JsonDocument.Parse(await NextLineAsync(timeout)).RootElement.Clone();

    /// <summary>The next line the script printed.</summary>
    public async Task<string> NextLineAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _lines.Reader.ReadAsync(cancel.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            string errors;
            lock (_errors)
            {
                errors = _errors.ToString();
            }
            throw new InvalidOperationException($"the graphql-ws client printed nothing more within {timeout.TotalSeconds} s; its stderr: {errors}", ex);
        }
    }

    public bool HasExited => _process.HasExited;

    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
