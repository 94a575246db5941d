namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// Whether a due lane head may be sent now: <see cref="Go"/>, or the lane waits — until <see cref="Until"/>, or
/// (null) until something wakes it, such as its webhook being enabled again.
/// </summary>
public readonly record struct Admission(bool Allowed, DateTimeOffset? Until)
{
    public static readonly Admission Go = new(true, null);

    public static Admission Wait(DateTimeOffset? until = null) => new(false, until);
}
