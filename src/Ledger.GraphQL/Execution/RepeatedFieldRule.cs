using System.Globalization;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace Ledger.GraphQL.Execution;

/// <summary>
/// Refuses a document that asks for one response path (the aliases, else names, from the root) more often than the
/// limit, before any other rule looks at it. Checking that fields of one response name merge compares each with every
/// other, so <c>{ __typename __typename … }</c> costs the square of its length: 6,000 of them, within 64 KiB, took
/// seconds. Inline fragments count where they stand and named fragments where they are spread, as the merge sees them.
/// With the limit, that work grows no faster than the document.
/// </summary>
internal sealed class RepeatedFieldRule(int maxRepeats) : IValidationRule, INodeVisitor
{
    /// <summary>Fields visited at most while expanding fragments; a legitimate document stays far below.</summary>
    private const int VisitBudget = 200_000;

    /// <summary>Deeper than the parser lets a document nest: only a fragment spread inside itself gets here, which validation refuses anyway.</summary>
    private const int MaxDepth = 128;

    public ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(this);

    public ValueTask<IVariableVisitor?> GetVariableVisitorAsync(ValidationContext context) => default;

    public ValueTask<INodeVisitor?> GetPostNodeVisitorAsync(ValidationContext context) => default;

    public ValueTask EnterAsync(ASTNode node, ValidationContext context)
    {
        if (node is GraphQLDocument document && new Counter(document, maxRepeats).Refusal() is { } refusal)
        {
            throw GraphQLErrors.Validation(refusal, "query");
        }
        return default;
    }

    public ValueTask LeaveAsync(ASTNode node, ValidationContext context) => default;

    private sealed class Counter(GraphQLDocument document, int maxRepeats)
    {
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, GraphQLFragmentDefinition> _fragments = document.Definitions
            .OfType<GraphQLFragmentDefinition>()
            .GroupBy(f => f.FragmentName.Name.StringValue, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        private int _visits;
        private string? _refusal;

        public string? Refusal()
        {
            foreach (var definition in document.Definitions)
            {
                switch (definition)
                {
                    case GraphQLOperationDefinition { SelectionSet: { } set }:
                        Visit(set, "", 0, new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case GraphQLFragmentDefinition { SelectionSet: { } set } fragment:
                        Visit(set, "fragment " + fragment.FragmentName.Name.StringValue, 0, new HashSet<string>(StringComparer.Ordinal));
                        break;
                }
                if (_refusal is not null)
                {
                    return _refusal;
                }
            }
            return null;
        }

        /// <param name="spread">The named fragments already expanded into this selection set (each counts once, and a cycle ends).</param>
        private void Visit(GraphQLSelectionSet set, string path, int depth, HashSet<string> spread)
        {
            if (depth > MaxDepth)
            {
                return;
            }
            foreach (var selection in set.Selections)
            {
                if (_refusal is not null)
                {
                    return;
                }
                switch (selection)
                {
                    case GraphQLField field:
                        var name = path + "/" + (field.Alias?.Name ?? field.Name).StringValue;
                        var count = _counts[name] = _counts.GetValueOrDefault(name) + 1;
                        if (count > maxRepeats)
                        {
                            _refusal = string.Create(CultureInfo.InvariantCulture,
                                $"the document asks for `{name.TrimStart('/')}` more than {maxRepeats} times; a response name may appear at most {maxRepeats} times in one place");
                            return;
                        }
                        if (++_visits > VisitBudget)
                        {
                            _refusal = "the document's fragments expand to too many fields; send a smaller document";
                            return;
                        }
                        if (field.SelectionSet is { } children)
                        {
                            Visit(children, name, depth + 1, new HashSet<string>(StringComparer.Ordinal));
                        }
                        break;
                    case GraphQLInlineFragment { SelectionSet: { } inline }:
                        Visit(inline, path, depth + 1, spread);
                        break;
                    case GraphQLFragmentSpread fragmentSpread
                        when _fragments.TryGetValue(fragmentSpread.FragmentName.Name.StringValue, out var fragment) && spread.Add(fragment.FragmentName.Name.StringValue):
                        Visit(fragment.SelectionSet, path, depth + 1, spread);
                        break;
                }
            }
        }
    }
}
