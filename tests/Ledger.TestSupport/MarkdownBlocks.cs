namespace Ledger.TestSupport;

/// <summary>One fenced code block of a Markdown page: where it starts, its language, its text, and the
/// <c>&lt;!-- tested: name --&gt;</c> marker on the line before it, if any — or, for a block the tests cannot run,
/// the reason its <c>&lt;!-- untested: why --&gt;</c> marker gives.</summary>
public sealed record MarkdownBlock(string Page, int Line, string Language, string Text, string? Marker)
{
    public string? Untested { get; init; }
}

/// <summary>The fenced code blocks of the repository's Markdown pages, as the docs checks run them.</summary>
public static class MarkdownBlocks
{
    private const string MarkerStart = "<!-- tested: ";
    private const string UntestedStart = "<!-- untested: ";

    /// <summary>The blocks of <paramref name="page"/>, a path relative to the repository root (<c>docs/graphql.md</c>).</summary>
    public static IReadOnlyList<MarkdownBlock> Of(string page)
    {
        var lines = File.ReadAllLines(Path.Combine(NodeScripts.RepoRoot, page));
        var blocks = new List<MarkdownBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal) || lines[i].Length == 3)
            {
                continue;
            }
            var language = lines[i][3..].Trim();
            var end = Array.FindIndex(lines, i + 1, l => l.TrimEnd() == "```");
            if (end < 0)
            {
                throw new InvalidOperationException($"{page}:{i + 1}: a ``` block that never ends");
            }
            var before = i > 0 ? lines[i - 1].Trim() : "";
            var marker = before.StartsWith(MarkerStart, StringComparison.Ordinal) && before.EndsWith("-->", StringComparison.Ordinal)
                ? before[MarkerStart.Length..^3].Trim()
                : null;
            var untested = before.StartsWith(UntestedStart, StringComparison.Ordinal) && before.EndsWith("-->", StringComparison.Ordinal)
                ? before[UntestedStart.Length..^3].Trim()
                : null;
            blocks.Add(new MarkdownBlock(page, i + 1, language, string.Join('\n', lines[(i + 1)..end]) + "\n", marker) { Untested = untested });
            i = end;
        }
        return blocks;
    }

    /// <summary>Every Markdown page of the user documentation: README.md and docs/*.md, as repository paths.</summary>
    public static IReadOnlyList<string> Pages() =>
    [
        "README.md",
        .. Directory.GetFiles(Path.Combine(NodeScripts.RepoRoot, "docs"), "*.md").Order(StringComparer.Ordinal)
            .Select(p => "docs/" + Path.GetFileName(p)),
    ];
}
