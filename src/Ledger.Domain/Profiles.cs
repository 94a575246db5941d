namespace Ledger.Domain;

/// <summary>The wire profiles of docs/wire-profiles.md and their default retry policies.</summary>
public static class Profiles
{
    public const string Standard = "standard";
    public const string Svix = "svix";
    public const string Kash = "kash";
    public const string V2k = "v2k";
    public const string Generic = "generic";
    public const string Kepler = "kepler";
    public const string Github = "github";

    public static readonly IReadOnlyList<string> All = [Standard, Svix, Kash, V2k, Generic, Kepler, Github];

    private static readonly int[] StandardSchedule = [5, 300, 1800, 7200, 18000, 36000, 36000];
    private static readonly int[] SvixSchedule = [5, 300, 1800, 7200, 18000, 36000, 86400];
    private static readonly int[] V2kSchedule = [2, 4, 8];
    private static readonly int[] GenericSchedule = [30, 300, 1800, 7200];
    private static readonly int[] KeplerSchedule = [5, 10, 15];
    private static readonly int[] KashSchedule = Doubling(5, 86_400);

    public static bool IsKnown(string? profile) => profile is not null && All.Contains(profile);

    /// <summary>Delays in seconds before each retry when a webhook sets none.</summary>
    public static IReadOnlyList<int> DefaultRetrySchedule(string profile) => profile switch
    {
        Svix => SvixSchedule,
        Kash => KashSchedule,
        V2k => V2kSchedule,
        Generic => GenericSchedule,
        Kepler => KeplerSchedule,
        _ => StandardSchedule,
    };

    /// <summary>kash retries for 24 hours and then fails terminally; the others end with their schedule.</summary>
    public static int? DefaultMaxAttemptAgeSeconds(string profile) => profile == Kash ? 86_400 : null;

    /// <summary>Whether the profile's signatures are Standard Webhooks style (key = base64 of a whsec_ secret).</summary>
    public static bool UsesWhsecSecret(string profile) => profile is Standard or Svix;

    /// <summary>Delays doubling from <paramref name="first"/> while the whole schedule stays within <paramref name="windowSeconds"/>.</summary>
    internal static int[] Doubling(int first, int windowSeconds)
    {
        var delays = new List<int>();
        long total = 0;
        for (long delay = first; total + delay <= windowSeconds; delay *= 2)
        {
            delays.Add((int)delay);
            total += delay;
        }
        return [.. delays];
    }
}
