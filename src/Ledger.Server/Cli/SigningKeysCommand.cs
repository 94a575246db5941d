using System.CommandLine;

namespace Ledger.Server.Cli;

/// <summary><c>signing-keys rotate [--overlap-hours N]</c>: a new Ed25519 signing key (docs/keys.md).</summary>
internal static class SigningKeysCommand
{
    public static Command Create(VerbHost host)
    {
        var overlap = new Option<string>("--overlap-hours")
        {
            Description = "hours the previous key stays valid and signs alongside the new one, 0 to 720 (default 24)",
            HelpName = "N",
        };
        var rotate = new Command("rotate", "Make a new Ed25519 signing key the active one; running instances pick it up within 5 s.") { overlap };
        rotate.SetAction((result, cancellationToken) =>
            host.RunAsync((ledger, ct) => KeyVerbs.RotateSigningKeyAsync(ledger.Services, result.GetValue(overlap), ct), cancellationToken));
        return new Command("signing-keys", "The server's Ed25519 signing key (kepler deliveries, export manifests).") { rotate };
    }
}
