using System.CommandLine;

namespace Ledger.Server.Cli;

/// <summary>
/// <c>verify FILE [--public-key HEX|erd1…]</c>: check a ledger export offline; <c>verify --ledger</c>: check the
/// hash chains of the live ledger (docs/audit.md).
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(VerbHost host)
    {
        var file = new Argument<string?>("FILE") { Description = "a ledger export (GET /v1/exports/ledger)", Arity = ArgumentArity.ZeroOrOne };
        var publicKey = new Option<string>("--public-key")
        {
            Description = "the key the manifest must be signed by: 64 hex characters or an erd1… address, fetched from the server "
                + "yourself (without it the file is checked only against the key its manifest names)",
            HelpName = "HEX|erd1…",
        };
        var ledger = new Option<bool>("--ledger")
        {
            Description = "instead of a file, check every stream's hash chain in the live ledger (the server's storage settings), "
                + "with progress; read-only, so it may run while the server does",
        };
        var command = new Command("verify", "Check a ledger export offline (hash chains, versions, digests, count and signature), "
            + "or with --ledger the live ledger's hash chains. Exit 0 when intact, 1 naming the first bad line or event.") { file, publicKey, ledger };
        command.Validators.Add(result =>
        {
            var hasFile = result.GetValue(file) is not null;
            if (result.GetValue(ledger) == hasFile)
            {
                result.AddError(hasFile ? "verify takes FILE or --ledger, not both." : "verify needs FILE, or --ledger for the live ledger.");
            }
            else if (result.GetValue(ledger) && result.GetValue(publicKey) is not null)
            {
                result.AddError("--public-key checks an export's signature; verify --ledger takes none.");
            }
        });
        command.SetAction((result, cancellationToken) => result.GetValue(ledger)
            ? host.RunAsync((context, ct) => VerifyLedgerVerb.RunAsync(context.Services, TimeProvider.System, ct), cancellationToken)
            : Task.FromResult(VerifyVerb.Run(result.GetValue(file)!, result.GetValue(publicKey))));
        return command;
    }
}
