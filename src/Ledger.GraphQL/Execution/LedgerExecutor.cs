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
    private readonly DocumentLimits _limits;
    private readonly int _maxErrors;

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
        _rules = [CancellationRule.Instance, new ErrorLimitRule(options.MaxErrors), new RepeatedFieldRule(options.MaxFieldRepeats), .. DocumentValidator.CoreRules, .. DocumentValidator.CoreRules.OfType<FieldArgumentsAreValidRule>().Any() ? [] : new IValidationRule[] { FieldArgumentsAreValidRule.Instance }, .. options.Introspection ? [] : new IValidationRule[] { NoIntrospectionValidationRule.Instance }, complexity];
        _onError = GraphQLErrors.Handler(logger);
        _timeout = TimeSpan.FromSeconds(options.ExecutionTimeoutSeconds);
        _limits = new DocumentLimits(options.MaxDocumentBytes, options.MaxTokens);
        _maxErrors = options.MaxErrors;
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
        if (string.IsNullOrEmpty(request.Query) || _limits.Refusal(request.Query) is not null)
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

    /// <summary>
    /// Runs a request: refused at once when the document is over the size or token limit; else parsed, validated
    /// and executed, all of it stopping when <paramref name="cancellationToken"/> is cancelled (the client went
    /// away) or, for queries and mutations, the time limit passes. The answer has at most the configured number of errors.
    /// </summary>
    public async Task<ExecutionResult> ExecuteAsync(
        GraphQLRequest request, GraphQLDocument? document, LedgerRequestContext context, bool isSubscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_limits.Refusal(request.Query) is { } refusal)
        {
            return new ExecutionResult { Errors = [GraphQLErrors.WithCode(new ExecutionError(refusal), Domain.ErrorCodes.PayloadTooLarge, "query")] };
        }
        var result = await _executer.ExecuteAsync(new ExecutionOptions
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
        return CapErrors(result);
    }

    /// <summary>
    /// Keeps the first errors of <paramref name="result"/> and sums up the rest in one last error, so the answer has at
    /// most the configured number; when validation stopped early, says so in that last error instead.
    /// </summary>
    public ExecutionResult CapErrors(ExecutionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Errors is [ValidationStoppedError stopped])
        {
            result.Errors = Kept(stopped.Reported, $"validation stopped after {_maxErrors - 1} errors; an answer carries at most {_maxErrors}");
        }
        else if (result.Errors is { } errors && errors.Count > _maxErrors)
        {
            result.Errors = Kept([.. errors], $"{errors.Count - (_maxErrors - 1)} more errors were left out; an answer carries at most {_maxErrors}");
        }
        return result;
    }

    private ExecutionErrors Kept(IReadOnlyList<ExecutionError> errors, string summary)
    {
        var kept = new ExecutionErrors();
        for (var i = 0; i < Math.Min(errors.Count, _maxErrors - 1); i++)
        {
            kept.Add(errors[i]);
        }
        kept.Add(new ExecutionError(summary));
        return kept;
    }
}
