using System.CommandLine;
using System.Text.RegularExpressions;
using Ledger.Server.Cli;

namespace Ledger.Server.Tests;

/// <summary>The binary's command line: help for every verb, and one clear line for what it does not know.</summary>
public sealed partial class CommandLineTests
{
    [Fact]
    public async Task Every_verb_describes_itself_and_each_of_its_options_and_arguments_in_its_help()
    {
        var root = LedgerCommandLine.Build(new VerbHost([]));
        var commands = Descendants(root).ToList();
        Assert.Contains(commands, c => c.Path == "backup");
        Assert.Contains(commands, c => c.Path == "keys create");

        foreach (var (path, command) in commands)
        {
            var output = new StringWriter();
            var exit = await LedgerCommandLine.Build(new VerbHost([])).Parse([.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"])
                .InvokeAsync(new InvocationConfiguration { Output = output });
            var help = Flat(output.ToString());

            Assert.Equal(0, exit);
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"'{path}' has no description");
            Assert.Contains(Flat(command.Description!), help, StringComparison.Ordinal);
            foreach (var option in command.Options.Where(o => o.Name is not ("--help" or "--version")))
            {
                Assert.False(string.IsNullOrWhiteSpace(option.Description), $"'{path} {option.Name}' has no description");
                Assert.Contains(option.Name, help, StringComparison.Ordinal);
                Assert.Contains(Flat(option.Description!), help, StringComparison.Ordinal);
            }
            foreach (var argument in command.Arguments)
            {
                Assert.False(string.IsNullOrWhiteSpace(argument.Description), $"'{path} {argument.Name}' has no description");
                Assert.Contains(Flat(argument.Description!), help, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task The_binary_lists_every_verb_in_its_help()
    {
        var run = await LedgerServer.RunBinaryAsync(new Dictionary<string, string>(), "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var verb in LedgerCommandLine.Build(new VerbHost([])).Subcommands)
        {
            Assert.Contains($"  {verb.Name}", run.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("bogus", "'bogus'", "Ledger.Server --help")]
    [InlineData("restore x.db --forse", "'--forse'", "Ledger.Server restore --help")]
    [InlineData("keys delete", "'delete'", "Ledger.Server keys --help")]
    [InlineData("backup", "'FILE'", "Ledger.Server backup --help")]
    [InlineData("signing-keys rotate --overlap-hours", "'--overlap-hours'", "Ledger.Server signing-keys rotate --help")]
    public async Task An_unknown_verb_or_option_or_a_missing_argument_is_one_line_naming_it_and_exit_code_2(string args, string named, string seeHelp)
    {
        using var directory = new TempDirectory("ledger-cli");
        var run = await LedgerServer.RunBinaryAsync(new Dictionary<string, string> { ["Ledger__Storage__Sqlite__Path"] = directory.File("ledger.db") }, args.Split(' '));

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        var line = Assert.Single(run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.EndsWith($"See '{seeHelp}'.", line.TrimEnd(), StringComparison.Ordinal);
        Assert.False(File.Exists(directory.File("ledger.db")), "a usage error opened the ledger");
    }

    [Fact]
    public async Task Server_settings_given_to_a_verb_on_its_command_line_are_settings_not_unknown_options()
    {
        using var directory = new TempDirectory("ledger-cli");
        var ledger = Path.Combine(directory.Path, "elsewhere", "ledger.db");

        var run = await LedgerServer.RunBinaryAsync(new Dictionary<string, string>(), "keys", "create", "--tenant", "acme", $"--Ledger:Storage:Sqlite:Path={ledger}");

        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.StartsWith("ldg_", run.Output.Trim(), StringComparison.Ordinal);
        Assert.True(File.Exists(ledger));
    }

    private static IEnumerable<(string Path, Command Command)> Descendants(Command command, string path = "")
    {
        yield return (path, command);
        foreach (var sub in command.Subcommands)
        {
            foreach (var descendant in Descendants(sub, $"{path} {sub.Name}".Trim()))
            {
                yield return descendant;
            }
        }
    }

    private static string Flat(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
