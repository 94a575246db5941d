using System.Diagnostics;
using Ledger.GraphQL.Schema;

namespace Ledger.GraphQL.Tests;

/// <summary>
/// The repository owns its schema: <c>src/Ledger.GraphQL/schema.graphql</c> is the served schema, it changes only through
/// <c>scripts/update-schema.sh</c>, which refuses breaking changes, and the schema as last committed is never broken.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class SchemaSnapshotTests(SharedServer shared)
{
    private const string UpdateHint = "run scripts/update-schema.sh to update the file (it refuses breaking changes)";

    [Fact]
    public async Task Served_schema_equals_the_checked_in_schema_file()
    {
        var printed = SchemaDocument.Print();
        if (SchemaSnapshot.UpdateRequested)
        {
            var refused = SchemaSnapshot.Update(Repository.SchemaPath, printed, SchemaSnapshot.BreakingAllowed);
            Assert.True(refused.Count == 0, "the schema change breaks existing clients; rerun with --allow-breaking if that is intended:\n" + string.Join("\n", refused));
        }

        Assert.True(File.Exists(Repository.SchemaPath), $"{SchemaDocument.RepositoryPath} is missing: {UpdateHint}");
        var file = SchemaModel.FromSdl(await File.ReadAllTextAsync(Repository.SchemaPath));
        using var client = shared.Server.Client();
        var served = SchemaModel.FromIntrospection((await client.QueryAsync(SchemaModel.IntrospectionQuery)).GetProperty("__schema"));
        var differences = SchemaModel.Breaks(file, served).Select(b => "served: " + b)
            .Concat(SchemaModel.Breaks(served, file).Select(b => "file: " + b))
            .ToList();
        Assert.True(differences.Count == 0, $"the served schema and {SchemaDocument.RepositoryPath} differ ({UpdateHint}):\n" + string.Join("\n", differences));
        Assert.True(printed == await File.ReadAllTextAsync(Repository.SchemaPath), $"{SchemaDocument.RepositoryPath} is not the printed schema: {UpdateHint}");
    }

    [Fact]
    public async Task Served_schema_does_not_break_the_schema_file_as_last_committed()
    {
        var baseline = await CommittedBaselineAsync();
        if (baseline is null)
        {
            return;
        }
        using var client = shared.Server.Client();
        var served = SchemaModel.FromIntrospection((await client.QueryAsync(SchemaModel.IntrospectionQuery)).GetProperty("__schema"));
        var accepted = SchemaSnapshot.AcceptedBreaks(Repository.SchemaPath);

        var breaks = SchemaModel.Breaks(SchemaModel.FromSdl(baseline), served).Where(b => !accepted.Contains(b)).ToList();

        Assert.True(breaks.Count == 0, "the served schema breaks the schema file as last committed:\n" + string.Join("\n", breaks));
    }

    [Fact]
    public void The_update_writes_additions_and_refuses_a_break_unless_allowed()
    {
        var directory = Directory.CreateTempSubdirectory("ledger-schema-");
        try
        {
            var copy = Path.Combine(directory.FullName, "schema.graphql");
            var current = SchemaDocument.Print();
            File.WriteAllText(copy, current);
            var added = current + "\ntype Extra {\n  note: String\n}\n";
            var broken = current.Replace("  history", "  historyRenamed", StringComparison.Ordinal);
            Assert.NotEqual(current, broken);

            Assert.Empty(SchemaSnapshot.Update(copy, added, allowBreaking: false));
            Assert.Equal(added, File.ReadAllText(copy));

            var refused = SchemaSnapshot.Update(copy, broken, allowBreaking: false);
            Assert.Contains("field Delivery.history is missing", refused);
            Assert.Equal(added, File.ReadAllText(copy));

            Assert.Empty(SchemaSnapshot.Update(copy, broken, allowBreaking: true));
            Assert.Equal(broken, File.ReadAllText(copy));
            Assert.Contains("field Delivery.history is missing", SchemaSnapshot.AcceptedBreaks(copy));
            Assert.Contains("type Extra is missing", SchemaSnapshot.AcceptedBreaks(copy));

            Assert.Empty(SchemaSnapshot.Update(copy, broken + "\n", allowBreaking: false));
            Assert.Empty(SchemaSnapshot.AcceptedBreaks(copy));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The schema file before the change under test: HEAD's file when the working copy changed it, else the version
    /// before the commit that last changed it. Null where there is no history (an export of the sources without git).
    /// </summary>
    private static async Task<string?> CommittedBaselineAsync()
    {
        var inCi = Environment.GetEnvironmentVariable("CI") == "true";
        if (await GitAsync("rev-parse", "--is-inside-work-tree") is not { } inside || inside.Trim() != "true")
        {
            Assert.False(inCi, "CI runs in a git clone: the committed schema must be checked against it");
            return null;
        }
        var path = SchemaDocument.RepositoryPath;
        var changedInWorkingCopy = await GitAsync("status", "--porcelain", "--", path) is { Length: > 0 };
        if (changedInWorkingCopy)
        {
            return await GitAsync("show", $"HEAD:{path}");
        }
        var commits = (await GitAsync("log", "-n", "2", "--format=%H", "--", path) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return commits.Length < 2 ? null : await GitAsync("show", $"{commits[1]}:{path}");
    }

    private static async Task<string?> GitAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEndAsync();
            await git.StandardError.ReadToEndAsync();
            await git.WaitForExitAsync();
            return git.ExitCode == 0 ? await output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
