using System.Diagnostics.CodeAnalysis;

namespace Ledger.Domain.Wire;

/// <summary>The wire profiles by name (docs/wire-profiles.md).</summary>
public static class WireProfiles
{
    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>The User-Agent of the profiles whose provider documents none.</summary>
    public const string LedgerUserAgent = "Ledger-Webhooks/1.0";

    public static IWireProfile Standard { get; } = new StandardProfile();
    public static IWireProfile Svix { get; } = new SvixProfile();
    public static IWireProfile Kash { get; } = new KashProfile();
    public static IWireProfile V2k { get; } = new V2kProfile();
    public static IWireProfile Generic { get; } = new GenericProfile();
    public static IWireProfile Github { get; } = new GithubProfile();

    /// <summary>The profiles signed with a webhook's secrets: all but <c>kepler</c>, which the server's key signs (<see cref="KeplerEnvelope"/>).</summary>
    public static IReadOnlyList<IWireProfile> All { get; } = [Standard, Svix, Kash, V2k, Generic, Github];

    public static bool TryGet(string? name, [NotNullWhen(true)] out IWireProfile? profile)
    {
        profile = All.FirstOrDefault(p => p.Name == name);
        return profile is not null;
    }

    /// <exception cref="ArgumentException">No profile of that name is implemented.</exception>
    public static IWireProfile Get(string name) =>
        TryGet(name, out var profile)
            ? profile
            : throw new ArgumentException(
                Profiles.IsKnown(name) ? $"wire profile '{name}' is not signed with webhook secrets; the server's signing keys sign it" : $"unknown wire profile '{name}'", nameof(name));
}
