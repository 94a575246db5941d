namespace Ledger.GraphQL.Tests;

/// <summary>
/// Updating the checked-in schema file: additions are written, a breaking change is refused unless it is allowed
/// explicitly, and an allowed break is recorded beside the file so the history check accepts exactly that break.
/// </summary>
public static class SchemaSnapshot
{
    public const string UpdateVariable = "LEDGER_UPDATE_SCHEMA";
    public const string AllowBreakingVariable = "LEDGER_ALLOW_BREAKING_SCHEMA";

    public static bool UpdateRequested => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    public static bool BreakingAllowed => Environment.GetEnvironmentVariable(AllowBreakingVariable) == "1";

    public static string AcceptedBreaksPath(string schemaPath) =>
        Path.Combine(Path.GetDirectoryName(schemaPath)!, "schema.accepted-breaks.txt");

    /// <summary>The breaks <paramref name="newSdl"/> makes to the file at <paramref name="schemaPath"/>; empty when it was written.</summary>
    public static IReadOnlyList<string> Update(string schemaPath, string newSdl, bool allowBreaking)
    {
        var breaks = File.Exists(schemaPath)
            ? SchemaModel.Breaks(SchemaModel.FromSdl(File.ReadAllText(schemaPath)), SchemaModel.FromSdl(newSdl))
            : [];
        if (breaks.Count > 0 && !allowBreaking)
        {
            return breaks;
        }
        File.WriteAllText(schemaPath, newSdl);
        var accepted = AcceptedBreaksPath(schemaPath);
        if (breaks.Count > 0)
        {
            File.WriteAllLines(accepted, breaks);
        }
        else
        {
            File.Delete(accepted);
        }
        return [];
    }

    /// <summary>The breaks accepted by the latest update (see <see cref="Update"/>).</summary>
    public static IReadOnlySet<string> AcceptedBreaks(string schemaPath)
    {
        var path = AcceptedBreaksPath(schemaPath);
        return File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal) : [];
    }
}
