using GraphQL;
using GraphQL.Utilities;

namespace Ledger.GraphQL.Schema;

/// <summary>
/// The served schema as SDL, the text kept in <c>src/Ledger.GraphQL/schema.graphql</c> so that a change to the schema
/// shows in review and a breaking change is refused by the snapshot tests.
/// </summary>
public static class SchemaDocument
{
    /// <summary>The repository path of the checked-in schema file, relative to the repository root.</summary>
    public const string RepositoryPath = "src/Ledger.GraphQL/schema.graphql";

    public static string Print()
    {
        var schema = new LedgerSchema();
        schema.Initialize();
        var sdl = schema.Print(new PrintOptions { IncludeDescriptions = true, IncludeDeprecationReasons = true });
        return sdl.ReplaceLineEndings("\n").TrimEnd() + "\n";
    }
}
