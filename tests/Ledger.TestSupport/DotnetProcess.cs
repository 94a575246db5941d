using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Ledger.TestSupport;

/// <summary>
/// A .NET program run as a child process (<c>dotnet app.dll args</c>) whose standard output is read line by line
/// as it is printed. Disposing kills it if it is still running.
/// </summary>
public sealed class DotnetProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly StringBuilder _standardError = new();

    private DotnetProcess(Process process) => _process = process;

    /// <summary>Lines of standard output, in order; completed when the process has exited and its output is read.</summary>
    public ChannelReader<string> Lines => _lines.Reader;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote to standard error so far, for failure messages.</summary>
    public string StandardError
    {
        get
        {
            lock (_standardError)
            {
                return _standardError.ToString();
            }
        }
    }

    public static DotnetProcess Start(string assemblyPath, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!System.IO.File.Exists(assemblyPath))
        {
            throw new FileNotFoundException($"{assemblyPath} is not built", assemblyPath);
        }
        // The SDK tells the processes it starts (the test host among them) which dotnet runs them.
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new DotnetProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.Writer.TryComplete();
            }
            else
            {
                child._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._standardError)
                {
                    child._standardError.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Kills the process at once (SIGKILL on Unix: no cleanup runs in it) and waits until it is gone and its output read.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // It never started.
        }
        _process.Dispose();
        _lines.Writer.TryComplete();
    }
}
