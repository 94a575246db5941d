using System.CommandLine;

namespace Ledger.Server.Cli;

/// <summary><c>backup FILE</c>: a consistent copy of the SQLite ledger, taken while the server runs (docs/operations.md).</summary>
internal static class BackupCommand
{
    public static Command Create(VerbHost host)
    {
        var file = new Argument<string>("FILE") { Description = "where to write the backup; never overwritten (the key file goes to FILE.masterkey)" };
        var command = new Command("backup",
            "Copy the SQLite ledger, while the server runs, to FILE, and its master key file to FILE.masterkey. "
            + "On PostgreSQL it refuses and names the pg_dump command to use.") { file };
        command.SetAction((result, cancellationToken) =>
            host.RunAsync((ledger, ct) => BackupVerbs.BackupAsync(ledger.Configuration, result.GetValue(file)!, ct), cancellationToken));
        return command;
    }
}
