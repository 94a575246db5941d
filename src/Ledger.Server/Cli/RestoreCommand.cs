using System.CommandLine;

namespace Ledger.Server.Cli;

/// <summary><c>restore FILE [--force]</c>: put a backup in place of the configured SQLite ledger (docs/operations.md).</summary>
internal static class RestoreCommand
{
    public static Command Create(VerbHost host)
    {
        var file = new Argument<string>("FILE") { Description = "a backup made by the backup verb (its FILE.masterkey beside it, if any)" };
        var force = new Option<bool>("--force") { Description = "replace an existing ledger (never one a server is running on)" };
        var command = new Command("restore",
            "Put a backup in place of an absent ledger at the configured path, with its master key, and rebuild the read models. "
            + "Refused while a server runs on the ledger. On PostgreSQL it refuses and names pg_restore.") { file, force };
        command.SetAction((result, cancellationToken) =>
            host.RunAsync((ledger, ct) => BackupVerbs.RestoreAsync(ledger.Services, ledger.Configuration, result.GetValue(file)!, result.GetValue(force), ct), cancellationToken));
        return command;
    }
}
