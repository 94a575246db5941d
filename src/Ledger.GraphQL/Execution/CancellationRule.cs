using GraphQL.Validation;
using GraphQLParser.AST;

namespace Ledger.GraphQL.Execution;

/// <summary>
/// Makes validation stop once its operation is cancelled (the client went away, or the time limit passed): GraphQL.NET's
/// own rules never look at the token, so this one checks it at every node the validator enters.
/// </summary>
internal sealed class CancellationRule : IValidationRule, INodeVisitor
{
    public static readonly CancellationRule Instance = new();

    private CancellationRule()
    {
    }

    public ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(this);

    public ValueTask<IVariableVisitor?> GetVariableVisitorAsync(ValidationContext context) => default;

    public ValueTask<INodeVisitor?> GetPostNodeVisitorAsync(ValidationContext context) => default;

    public ValueTask EnterAsync(ASTNode node, ValidationContext context)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        return default;
    }

    public ValueTask LeaveAsync(ASTNode node, ValidationContext context) => default;
}
