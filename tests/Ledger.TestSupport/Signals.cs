using Ledger.EventStore;

namespace Ledger.TestSupport;

/// <summary>
/// Waiting in tests without sleeping: a condition is re-checked each time something signals a change, and a
/// timeout only bounds a wait that would otherwise hang (it is never what a test measures).
/// </summary>
public static class Signals
{
    /// <summary>A bound for waits that should end at once; generous, so a slow machine never fails a test.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Checks <paramref name="condition"/>, and again after each <paramref name="nextChange"/> completes, until it
    /// holds. <paramref name="nextChange"/> must be armed before the check it follows, or a change between the
    /// two is missed: it is called before each check, and awaited after a failed one.
    /// </summary>
    public static async Task WaitUntilAsync(
        Func<Task<bool>> condition, Func<CancellationToken, Task> nextChange, TimeSpan timeout, string what = "the condition")
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(nextChange);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var change = nextChange(cts.Token);
                if (await condition())
                {
                    return;
                }
                await change;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} did not hold within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking it after each commit to the store.</summary>
    public static async Task WaitUntilAsync(
        this IEventStore store, Func<Task<bool>> condition, TimeSpan timeout, string what = "the condition")
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var head = await store.ReadHeadPositionAsync(cts.Token);
                if (await condition())
                {
                    return;
                }
                await store.WaitForEventsAsync(head, cts.Token);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} did not hold within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Awaits a task that should complete; a hang becomes a failure that says what was awaited.</summary>
    public static async Task WithinAsync(this Task task, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            await task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <inheritdoc cref="WithinAsync(Task, TimeSpan, string)"/>
    public static async Task<T> WithinAsync<T>(this Task<T> task, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            return await task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0.#} s");
        }
    }
}
