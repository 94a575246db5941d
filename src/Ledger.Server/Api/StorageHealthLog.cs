namespace Ledger.Server.Api;

/// <summary>Logs a storage outage once when it starts and once when it ends, however many requests meet it.</summary>
public sealed partial class StorageHealthLog(ILogger<StorageHealthLog> logger)
{
    private int _unreachable;

    public bool IsUnreachable => Volatile.Read(ref _unreachable) == 1;

    public void Unreachable(Exception exception)
    {
        if (Interlocked.Exchange(ref _unreachable, 1) == 0)
        {
            LogUnreachable(logger, exception.GetType().Name, exception.Message);
        }
    }

    public void Reachable()
    {
        if (Volatile.Read(ref _unreachable) == 1 && Interlocked.Exchange(ref _unreachable, 0) == 1)
        {
            LogReachable(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage is unreachable; requests answer 503 UNAVAILABLE until it is back ({Exception}: {Reason})")]
    private static partial void LogUnreachable(ILogger logger, string exception, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage is reachable again")]
    private static partial void LogReachable(ILogger logger);
}
