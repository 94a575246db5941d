using System.Globalization;
using Ledger.EventStore;

namespace Ledger.Server.Cli;

/// <summary>
/// <c>verify --ledger</c>: checks the hash chains of the whole live ledger (both hash versions) with progress lines and
/// a rate, then one summary line; exit 0 when intact, 1 with the first bad event otherwise. Read-only: it may run
/// while the server does, and checks up to the head it sees when it starts.
/// </summary>
public static class VerifyLedgerVerb
{
    public static async Task<int> RunAsync(IServiceProvider services, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(time);
        var store = services.GetRequiredService<IEventStore>();
        var started = time.GetTimestamp();
        var head = await store.ReadHeadPositionAsync(cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Verifying the ledger's hash chains up to position {head:N0}…"));
        LedgerVerification result;
        using (var progress = new ProgressLines("events", head, time, Console.Out, inPlace: !Console.IsOutputRedirected))
        {
            result = await LedgerChainVerifier.VerifyAsync(store, progress, cancellationToken);
        }
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        var checkedText = string.Create(CultureInfo.InvariantCulture,
            $"{result.Events:N0} events in {result.Streams:N0} streams ({result.Version1Events:N0} hash version 1, {result.Version2Events:N0} version 2) in {seconds:F1} s ({result.Events / Math.Max(seconds, 0.001):N0} events/s)");
        Console.WriteLine(result.Intact ? $"Ledger intact: {checkedText}." : $"Ledger NOT intact: {result.Problem}; checked {checkedText} before it.");
        return result.Intact ? 0 : 1;
    }
}
