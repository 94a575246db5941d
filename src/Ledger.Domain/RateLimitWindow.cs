using System.Collections.Immutable;

namespace Ledger.Domain;

/// <summary>
/// The attempts to one webhook in the last 60 seconds, each once by its delivery id and attempt number (so an
/// attempt counted when it started is not counted again when the ledger shows it).
/// </summary>
public sealed record RateLimitWindow(ImmutableSortedSet<(DateTimeOffset At, string Attempt)> Attempts)
{
    public static readonly TimeSpan Length = TimeSpan.FromSeconds(60);

    public static readonly RateLimitWindow Empty = new(ImmutableSortedSet<(DateTimeOffset, string)>.Empty);

    public int Count => Attempts.Count;
}

/// <summary>The sliding-window rate limit (docs/delivery-semantics.md): at most N attempts in any 60 seconds; excess waits.</summary>
public static class RateLimit
{
    /// <summary>The limit in force: the webhook's own, else 100 for profile <c>v2k</c> (seed 001), else none.</summary>
    public static int? PerMinute(string profile, int? perWebhook) => perWebhook ?? (profile == Profiles.V2k ? 100 : null);

    public static string AttemptKey(string deliveryId, int attemptNumber) => $"{deliveryId}#{attemptNumber}";

    /// <summary>Counts an attempt started at <paramref name="at"/>; one already counted, or already out of the window, changes nothing.</summary>
    public static RateLimitWindow Record(RateLimitWindow window, string deliveryId, int attemptNumber, DateTimeOffset at, DateTimeOffset now)
    {
        var key = AttemptKey(deliveryId, attemptNumber);
        if (at <= now - RateLimitWindow.Length || window.Attempts.Any(a => a.Attempt == key))
        {
            return window;
        }
        return new RateLimitWindow(window.Attempts.Add((at, key)));
    }

    /// <summary>
    /// Counts an attempt from <paramref name="at"/> when that is later than it is counted from (it was counted when
    /// admitted, and is on the wire only now): the window holds it from its latest known moment at the receiver.
    /// </summary>
    public static RateLimitWindow Restamp(RateLimitWindow window, string deliveryId, int attemptNumber, DateTimeOffset at, DateTimeOffset now)
    {
        var key = AttemptKey(deliveryId, attemptNumber);
        var counted = window.Attempts.Where(a => a.Attempt == key).ToList();
        if (counted.Any(a => a.At >= at))
        {
            return window;
        }
        return Record(counted.Count == 0 ? window : new RateLimitWindow(window.Attempts.Except(counted)), deliveryId, attemptNumber, at, now);
    }

    /// <summary>Go when fewer than <paramref name="limit"/> attempts started in the last 60 seconds; else wait until the oldest leaves.</summary>
    public static Admission Admit(RateLimitWindow window, int? limit, DateTimeOffset now)
    {
        if (limit is not { } n)
        {
            return Admission.Go;
        }
        var inWindow = Prune(window, now).Attempts;
        return inWindow.Count < n ? Admission.Go : Admission.WaitUntil(inWindow[inWindow.Count - n].At + RateLimitWindow.Length);
    }

    /// <summary>The window without the attempts that started 60 seconds or more before <paramref name="now"/>.</summary>
    public static RateLimitWindow Prune(RateLimitWindow window, DateTimeOffset now)
    {
        var cutoff = now - RateLimitWindow.Length;
        if (window.Attempts.Count == 0 || window.Attempts.Min.At > cutoff)
        {
            return window;
        }
        return new RateLimitWindow(window.Attempts.Except(window.Attempts.Where(a => a.At <= cutoff)));
    }
}
