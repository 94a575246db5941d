using System.Globalization;

namespace Ledger.Server.Cli;

/// <summary>
/// Progress of a long verb, at most once a second: how far, the rate, and an estimate of the time left. On a
/// terminal the line is updated in place; otherwise (a pipe, a file, a CI log) each update is a plain line of its own.
/// </summary>
internal sealed class ProgressLines(string unit, long total, TimeProvider time, TextWriter output, bool inPlace) : IProgress<long>, IDisposable
{
    private readonly long _started = time.GetTimestamp();
    private readonly Lock _gate = new();
    private TimeSpan _lastLine = TimeSpan.Zero;
    private int _shownLength;

    /// <summary>Progress on standard output: in place when it is a terminal, plain lines when it is redirected.</summary>
    public static ProgressLines ForConsole(string unit, long total) =>
        new(unit, total, TimeProvider.System, Console.Out, inPlace: !Console.IsOutputRedirected);

    public void Report(long value)
    {
        lock (_gate)
        {
            var elapsed = time.GetElapsedTime(_started);
            if (elapsed - _lastLine < TimeSpan.FromSeconds(1))
            {
                return;
            }
            _lastLine = elapsed;
            var rate = value / Math.Max(elapsed.TotalSeconds, 0.001);
            var left = total > value && rate > 0 ? TimeSpan.FromSeconds((total - value) / rate) : TimeSpan.Zero;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"  {value:N0} of {total:N0} {unit} ({100.0 * value / Math.Max(total, 1):F0} %), {rate:N0} {unit}/s, about {left.TotalSeconds:F0} s left");
            if (inPlace)
            {
                output.Write("\r" + line.PadRight(_shownLength));
                output.Flush();
                _shownLength = line.Length;
            }
            else
            {
                output.WriteLine(line);
            }
        }
    }

    /// <summary>Ends a line updated in place, so what follows starts on a line of its own.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_shownLength > 0)
            {
                output.WriteLine();
                _shownLength = 0;
            }
        }
    }
}
