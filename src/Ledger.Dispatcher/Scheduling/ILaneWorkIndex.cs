namespace Ledger.Dispatcher.Scheduling;

/// <summary>Where the lanes with unsettled deliveries are listed: what a newly owned bucket loads.</summary>
public interface ILaneWorkIndex
{
    /// <summary>The streams of every lane with work, as of a ledger position at least <paramref name="fence"/>.</summary>
    Task<IReadOnlyList<string>> LanesWithWorkAsync(long fence, CancellationToken cancellationToken);
}
