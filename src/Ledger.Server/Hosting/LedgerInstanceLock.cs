namespace Ledger.Server.Hosting;

/// <summary>
/// The advisory lock a process holds on an embedded (SQLite) ledger while it owns it: <c>ledger.db.lock</c>, opened
/// with <see cref="FileShare.None"/> (an exclusive <c>flock</c> on Unix), released when the process ends, even by a
/// crash. The server holds it while it runs; <c>rebuild-projections</c> and <c>restore</c> need it. PostgreSQL
/// storage has no path: the lock is a no-op there (instances share the database through leases).
/// </summary>
public sealed class LedgerInstanceLock(string? ledgerPath) : IDisposable
{
    private FileStream? _held;

    public static string LockFileOf(string ledgerPath) => Path.GetFullPath(ledgerPath) + ".lock";

    /// <exception cref="LedgerConfigurationException">Another process holds the ledger.</exception>
    public void Acquire()
    {
        if (ledgerPath is null || _held is not null)
        {
            return;
        }
        _held = TryHold(ledgerPath)
            ?? throw new LedgerConfigurationException($"another Ledger process is using the ledger {Path.GetFullPath(ledgerPath)} (it holds {LockFileOf(ledgerPath)}); stop it first");
    }

    /// <summary>The lock, or null when another process holds it.</summary>
    public static FileStream? TryHold(string ledgerPath)
    {
        var path = LockFileOf(ledgerPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _held?.Dispose();
}
