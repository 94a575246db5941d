using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQLParser.Exceptions;
using Ledger.Domain;
using Ledger.EventStore;
using Microsoft.Extensions.Logging;

namespace Ledger.GraphQL.Execution;

/// <summary>
/// The GraphQL side of the one error boundary: a domain refusal becomes a GraphQL error whose
/// <c>extensions.code</c> is the contract's code (and <c>extensions.field</c> the field at fault); anything
/// unexpected is logged and reported without internals.
/// </summary>
public static class GraphQLErrors
{
    public const string Unavailable = "UNAVAILABLE";
    public const string Internal = "INTERNAL_ERROR";

    public static ExecutionError From(DomainException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return WithCode(new ExecutionError(exception.Message), exception.Code, exception.Field);
    }

    /// <summary>A refusal found while validating the document (nothing has run).</summary>
    public static ValidationError Validation(string message, string? field)
    {
        var error = new ValidationError(message);
        WithCode(error, ErrorCodes.ValidationFailed, field);
        return error;
    }

    public static T WithCode<T>(T error, string code, string? field = null)
        where T : ExecutionError
    {
        ArgumentNullException.ThrowIfNull(error);
        error.Code = code;
        if (field is not null)
        {
            (error.Extensions ??= new Dictionary<string, object?>())["field"] = field;
        }
        return error;
    }

    internal static Func<UnhandledExceptionContext, Task> Handler(ILogger logger) => context =>
    {
        context.Exception = context.OriginalException switch
        {
            DomainException domain => From(domain),
            InvalidAppendException invalid => WithCode(new ExecutionError(invalid.Message), ErrorCodes.ValidationFailed),
            EventStoreUnavailableException => WithCode(new ExecutionError("storage is unavailable; retry shortly"), Unavailable),
            ExecutionError error => error,
            // The parser's own limits (its nesting depth above all) are refusals of the document, not failures.
            GraphQLParserException parse => new ExecutionError($"the document was refused: {parse.Message}", parse),
            var other => Unexpected(logger, other, context.FieldContext?.FieldDefinition.Name),
        };
        return Task.CompletedTask;
    };

    private static ExecutionError Unexpected(ILogger logger, Exception exception, string? field)
    {
        logger.LogError(exception, "GraphQL field {Field} failed", field ?? "(document)");
        return WithCode(new ExecutionError(field is null ? "the request failed" : $"{field} failed; the error was logged"), Internal);
    }
}
