using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Ledger.Server.Cli;

/// <summary>
/// The command line of the one binary. With no verb (nothing, or only the host's own arguments such as
/// <c>--urls URL</c>) it runs the server; with a verb it runs that verb with the server's settings and exits:
/// 0 done, 1 refused (one line on standard error), 2 a usage error (one line naming it).
/// </summary>
public static class LedgerCommandLine
{
    public const int Refused = 1;
    public const int UsageError = 2;

    /// <summary>Every verb. Adding one: a file with its <c>Create</c> (see <see cref="BackupCommand"/>) and a line here.</summary>
    private static Command[] Verbs(VerbHost host) =>
    [
        KeysCommand.Create(host),
        SigningKeysCommand.Create(host),
        SecretsCommand.Create(host),
        RebuildProjectionsCommand.Create(host),
        BackupCommand.Create(host),
        RestoreCommand.Create(host),
        VerifyCommand.Create(host),
    ];

    /// <summary>
    /// Whether the arguments name a verb (or ask for help) rather than start the server: the first one is a bare word
    /// (<c>backup</c>, <c>help</c>, a mistyped verb) or a help or version option. Host arguments (<c>--urls …</c>,
    /// <c>--Ledger:X=Y</c>, <c>urls=…</c>) start the server as they always did.
    /// </summary>
    public static bool IsVerbInvocation(string[] args) =>
        args.Length > 0 && (args[0] is "-h" or "-?" or "--help" or "--version"
            || !(args[0].StartsWith('-') || args[0].StartsWith('/') || args[0].Contains('=', StringComparison.Ordinal)));

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = args.Where(IsSetting).ToArray();
        var root = Build(new VerbHost(settings));
        var parsed = root.Parse(args.Where(a => !IsSetting(a)).ToArray(), new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Action is ParseErrorAction)
        {
            // An unknown verb or option says so, rather than what is then missing.
            var error = parsed.Errors.FirstOrDefault(e => parsed.UnmatchedTokens.Any(t => e.Message.Contains(t, StringComparison.Ordinal))) ?? parsed.Errors[0];
            await Console.Error.WriteLineAsync($"{error.Message} See '{CommandPath(parsed)} --help'.");
            return UsageError;
        }
        return await parsed.InvokeAsync();
    }

    internal static RootCommand Build(VerbHost host)
    {
        var root = new RootCommand("""
            Ledger, a webhook delivery service. Without a verb it runs the server (ASP.NET Core's own arguments such as
            --urls http://127.0.0.1:5080 apply). A verb runs with the server's settings and exits: 0 done, 1 refused,
            2 a usage error. Settings come from the environment (Ledger__Storage__Sqlite__Path=…) or the command line
            (--Ledger:Storage:Sqlite:Path=…), for the server and every verb alike; docs/operations.md lists them.
            """);
        foreach (var verb in Verbs(host))
        {
            root.Subcommands.Add(verb);
        }
        var verbName = new Argument<string[]>("VERB") { Description = "the verb to describe", Arity = ArgumentArity.ZeroOrMore };
        var help = new Command("help", "Show this help, or a verb's (help backup).") { verbName };
        help.SetAction(result => root.Parse([.. result.GetValue(verbName) ?? [], "--help"]).Invoke());
        root.Subcommands.Add(help);
        return root;
    }

    /// <summary>A server setting given to a verb on its command line: <c>--Section:Key=value</c>.</summary>
    private static bool IsSetting(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 2 && arg.AsSpan(2, equals - 2).Contains(':');
    }

    private static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as CommandResult)
        {
            names.Insert(0, result.Command is RootCommand root ? root.Name : result.Command.Name);
        }
        return string.Join(' ', names);
    }
}
