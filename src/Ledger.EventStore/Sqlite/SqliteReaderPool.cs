using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Ledger.EventStore.Sqlite;

/// <summary>
/// Read connections lent one caller at a time. A caller that finds none idle opens a new one, so readers never
/// queue behind each other; at most <c>maxIdle</c> are kept open between reads.
/// </summary>
internal sealed class SqliteReaderPool(string path, int maxIdle) : IDisposable
{
    private readonly ConcurrentBag<SqliteReader> _idle = [];
    private int _idleCount;
    private volatile bool _disposed;

    public T Use<T>(Func<SqliteReader, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var reader = Rent();
        try
        {
            var result = read(reader);
            Return(reader);
            return result;
        }
        catch
        {
            // A connection that failed may be in any state; a fresh one costs little.
            reader.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        DisposeIdle();
    }

    private SqliteReader Rent()
    {
        if (_idle.TryTake(out var reader))
        {
            Interlocked.Decrement(ref _idleCount);
            return reader;
        }
        var connection = SqliteSchema.OpenReader(path);
        try
        {
            return new SqliteReader(connection);
        }
        catch (SqliteException)
        {
            connection.Dispose();
            throw;
        }
    }

    private void Return(SqliteReader reader)
    {
        if (_disposed || Interlocked.Increment(ref _idleCount) > maxIdle)
        {
            if (!_disposed)
            {
                Interlocked.Decrement(ref _idleCount);
            }
            reader.Dispose();
            return;
        }
        _idle.Add(reader);
        if (_disposed)
        {
            DisposeIdle();
        }
    }

    private void DisposeIdle()
    {
        while (_idle.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }
}
