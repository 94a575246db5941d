using System.CommandLine;

namespace Ledger.Server.Cli;

/// <summary><c>secrets rotate-master-key [--new-key-file PATH]</c>: re-wrap every data key (docs/keys.md).</summary>
internal static class SecretsCommand
{
    public static Command Create(VerbHost host)
    {
        var newKeyFile = new Option<string>("--new-key-file")
        {
            Description = "the new master key's file: created (0600) if missing, read if it exists; required when the master key "
                + "is configured. Without it (SQLite, default key file) the key file is swapped in place and the old one kept, retired",
            HelpName = "PATH",
        };
        var rotate = new Command("rotate-master-key", "Re-wrap every data key with a new master key (appends events; rewrites none).") { newKeyFile };
        rotate.SetAction((result, cancellationToken) =>
            host.RunAsync((ledger, ct) => KeyVerbs.RotateMasterKeyAsync(ledger.Services, ledger.Configuration, result.GetValue(newKeyFile), ct), cancellationToken));
        return new Command("secrets", "Secrets at rest: the master key.") { rotate };
    }
}
