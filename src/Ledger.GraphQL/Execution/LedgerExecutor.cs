using GraphQL;
using GraphQL.Execution;
using GraphQL.SystemTextJson;
using GraphQL.Transport;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQL.Validation.Rules;
using GraphQL.Validation.Rules.Custom;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;
using Ledger.GraphQL.Schema;
using Microsoft.Extensions.Logging;

namespace Ledger.GraphQL.Execution;

/// <summary>
/// Runs documents against the Ledger schema with the limits of <see cref="GraphQLOptions"/>: parser depth, selection
/// depth, complexity (a field costs its page size times what it selects) and page sizes are checked before anything
/// runs; queries and mutations have a time limit. One instance serves HTTP and WebSocket alike.
/// </summary>
public sealed class LedgerExecutor
{
    private readonly LedgerSchema _schema = new();
    private readonly GraphQLDocumentBuilder _parser;
    private readonly DocumentExecuter _executer;
    private readonly IValidationRule[] _rules;
    private readonly Func<UnhandledExceptionContext, Task> _onError;
    private readonly TimeSpan _timeout;

    public LedgerExecutor(LedgerGraphQLServices services, ILogger<LedgerExecutor> logger)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.Options;
        Services = services;
        // Introspection counts a tenth: GraphiQL's own introspection query must pass, and it is all lists of lists.
        _schema.WithIntrospectionComplexityImpact(0.1);
        _schema.Initialize();
        _parser = new GraphQLDocumentBuilder { MaxDepth = options.MaxParserDepth };
        _executer = new DocumentExecuter(_parser, new DocumentValidator());
        var complexity = new ComplexityValidationRule(new ComplexityOptions { MaxDepth = options.MaxDepth, MaxComplexity = options.MaxComplexity });
        _rules = [.. DocumentValidator.CoreRules, .. DocumentValidator.CoreRules.OfType<FieldArgumentsAreValidRule>().Any() ? [] : new IValidationRule[] { FieldArgumentsAreValidRule.Instance }, complexity];
        _onError = GraphQLErrors.Handler(logger);
        _timeout = TimeSpan.FromSeconds(options.ExecutionTimeoutSeconds);
        Serializer = new GraphQLSerializer(new ErrorInfoProvider(o =>
        {
            o.ExposeCode = true;
            o.ExposeCodes = false;
            o.ExposeData = false;
            o.ExposeExceptionDetails = false;
        }));
    }

    public LedgerGraphQLServices Services { get; }

    public global::GraphQL.Types.ISchema Schema => _schema;

    /// <summary>Writes results and reads requests (System.Text.Json, the contract's error extensions).</summary>
    public GraphQLSerializer Serializer { get; }

    /// <summary>
    /// The operation a request would run, to decide transport rules (no mutation over GET, subscriptions only over
    /// WebSocket) before running it; null when the document does not parse or names no single operation, in which
    /// case execution reports why.
    /// </summary>
    public (GraphQLDocument? Document, OperationType? Operation) Inspect(GraphQLRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Query))
        {
            return (null, null);
        }
        GraphQLDocument document;
        try
        {
            document = _parser.Build(request.Query);
        }
        catch (Exception ex) when (ex is GraphQLParserException or ExecutionError)
        {
            // Execution parses again and reports the syntax error the spec's way.
            return (null, null);
        }
        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToList();
        var operation = string.IsNullOrEmpty(request.OperationName)
            ? operations.Count == 1 ? operations[0] : null
            : operations.FirstOrDefault(o => o.Name?.StringValue == request.OperationName);
        return (document, operation?.Operation);
    }

    public Task<ExecutionResult> ExecuteAsync(
        GraphQLRequest request, GraphQLDocument? document, LedgerRequestContext context, bool isSubscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = _schema,
            Query = request.Query,
            Document = document,
            OperationName = request.OperationName,
            Variables = request.Variables,
            Extensions = request.Extensions,
            UserContext = context,
            ValidationRules = _rules,
            CancellationToken = cancellationToken,
            // A subscription's events run long after the subscribe; its connection bounds it instead.
            Timeout = isSubscription ? Timeout.InfiniteTimeSpan : _timeout,
            TimeoutAction = TimeoutAction.ReturnTimeoutError,
            ThrowOnUnhandledException = false,
            UnhandledExceptionDelegate = _onError,
        });
    }
}
