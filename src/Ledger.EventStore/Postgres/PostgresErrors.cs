using System.Net.Sockets;
using Npgsql;

namespace Ledger.EventStore.Postgres;

/// <summary>The one place where Npgsql's and PostgreSQL's failures become the port's typed exceptions, by SQLSTATE.</summary>
internal static class PostgresErrors
{
    /// <summary>Whether the failure is about the request's own content rather than the server (class 22 data exceptions, 54000 too big for an index).</summary>
    public static bool IsBadInput(PostgresException e) =>
        e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState == PostgresErrorCodes.ProgramLimitExceeded;

    public static bool IsStorageFailure(Exception e) =>
        e is NpgsqlException or SocketException or TimeoutException or IOException;

    /// <summary>A failure of one request inside a group commit, its savepoint already rolled back.</summary>
    public static EventStoreException ForRequest(PostgresException e) =>
        IsBadInput(e)
            ? new InvalidAppendException($"PostgreSQL refused the events: {e.MessageText}")
            : Unavailable(e);

    public static EventStoreUnavailableException Unavailable(Exception e) => e switch
    {
        PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) =>
            new EventStoreUnavailableException($"PostgreSQL is not available: {pg.MessageText} ({pg.SqlState})", e),
        PostgresException pg when pg.SqlState.StartsWith("53", StringComparison.Ordinal) =>
            new EventStoreUnavailableException($"PostgreSQL is out of resources: {pg.MessageText} ({pg.SqlState})", e),
        PostgresException pg when pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected =>
            new EventStoreUnavailableException($"PostgreSQL aborted the transaction, retry: {pg.MessageText} ({pg.SqlState})", e),
        PostgresException pg =>
            new EventStoreUnavailableException($"PostgreSQL failed: {pg.MessageText} ({pg.SqlState})", e),
        _ => new EventStoreUnavailableException($"PostgreSQL cannot be reached: {e.Message}", e),
    };
}
