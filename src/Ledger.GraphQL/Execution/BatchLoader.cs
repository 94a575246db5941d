using GraphQL.DataLoader;

namespace Ledger.GraphQL.Execution;

/// <summary>
/// Collects the keys that resolvers of one execution level ask for and loads them with one call, the first time
/// any of their results is awaited. graphql-dotnet's execution strategies await <see cref="IDataLoaderResult"/>s
/// only after the whole level has been resolved, so a page of 50 deliveries asks for its 50 webhooks at once.
/// </summary>
internal sealed class BatchLoader<T>(Func<IReadOnlyCollection<string>, CancellationToken, Task<IReadOnlyDictionary<string, T>>> fetch)
    where T : class
{
    private readonly Lock _gate = new();
    private Batch _pending = new();

    /// <summary>The value of <paramref name="key"/>, or <paramref name="missing"/> when the load finds none.</summary>
    public IDataLoaderResult<T?> Load(string key, T? missing = null)
    {
        lock (_gate)
        {
            _pending.Keys.Add(key);
            return new Result(this, _pending, key, missing);
        }
    }

    private Task<IReadOnlyDictionary<string, T>> RunAsync(Batch batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (batch.Loading is null)
            {
                if (ReferenceEquals(batch, _pending))
                {
                    _pending = new Batch();
                }
                batch.Loading = fetch(batch.Keys, cancellationToken);
            }
            return batch.Loading;
        }
    }

    private sealed class Batch
    {
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public Task<IReadOnlyDictionary<string, T>>? Loading { get; set; }
    }

    private sealed class Result(BatchLoader<T> loader, Batch batch, string key, T? missing) : IDataLoaderResult<T?>
    {
        public async Task<T?> GetResultAsync(CancellationToken cancellationToken = default) =>
            (await loader.RunAsync(batch, cancellationToken)).GetValueOrDefault(key) ?? missing;

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) => await GetResultAsync(cancellationToken);
    }
}
