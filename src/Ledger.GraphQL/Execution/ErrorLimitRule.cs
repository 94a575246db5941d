using GraphQL;
using GraphQL.Validation;
using GraphQLParser.AST;

namespace Ledger.GraphQL.Execution;

/// <summary>
/// Stops validation once it has found the most errors an answer may carry. Each error is located in the document by
/// scanning it from the start, so a document of thousands of unknown fields cost the square of its length (seconds
/// for 10,000 tokens) to report errors that the answer leaves out anyway.
/// </summary>
internal sealed class ErrorLimitRule(int maxErrors) : IValidationRule, INodeVisitor
{
    public ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(this);

    public ValueTask<IVariableVisitor?> GetVariableVisitorAsync(ValidationContext context) => default;

    public ValueTask<INodeVisitor?> GetPostNodeVisitorAsync(ValidationContext context) => default;

    public ValueTask EnterAsync(ASTNode node, ValidationContext context)
    {
        if (context.HasErrors && (context.Errors.TryGetNonEnumeratedCount(out var count) ? count : context.Errors.Count()) >= maxErrors)
        {
            throw new ValidationStoppedError([.. context.Errors.Take(maxErrors)]);
        }
        return default;
    }

    public ValueTask LeaveAsync(ASTNode node, ValidationContext context) => default;
}

/// <summary>Validation gave up after <see cref="Reported"/>; the answer lists those and says that there may be more.</summary>
internal sealed class ValidationStoppedError(IReadOnlyList<ExecutionError> reported) : ValidationError("validation stopped")
{
    public IReadOnlyList<ExecutionError> Reported { get; } = reported;
}
