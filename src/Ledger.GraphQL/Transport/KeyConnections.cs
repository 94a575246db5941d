using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.GraphQL.Transport;

/// <summary>
/// The WebSocket connections each API key holds open, so that one key cannot hold more than
/// <see cref="GraphQLOptions.MaxConnectionsPerKey"/>. Keys are kept by their SHA-256 only.
/// </summary>
public sealed class KeyConnections(GraphQLOptions options)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Counts one more connection of <paramref name="key"/>; null when it already holds the most it may.</summary>
    public IDisposable? TryOpen(string key)
    {
        var id = Id(key);
        while (true)
        {
            var open = _open.GetOrAdd(id, 0);
            if (open >= options.MaxConnectionsPerKey)
            {
                return null;
            }
            if (_open.TryUpdate(id, open + 1, open))
            {
                return new Lease(this, id);
            }
        }
    }

    private void Close(string id)
    {
        while (true)
        {
            var open = _open.GetValueOrDefault(id);
            if (open <= 1 ? _open.TryRemove(new KeyValuePair<string, int>(id, open)) : _open.TryUpdate(id, open - 1, open))
            {
                return;
            }
        }
    }

    private static string Id(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private sealed class Lease(KeyConnections owner, string id) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Close(id);
            }
        }
    }
}
