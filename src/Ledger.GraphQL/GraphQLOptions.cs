namespace Ledger.GraphQL;

/// <summary>
/// The limits of <c>/graphql</c> (configuration section <c>Ledger:GraphQL</c>). A request over a limit is refused with a
/// GraphQL error before anything runs; a subscriber that falls behind is disconnected rather than buffered.
/// </summary>
public sealed class GraphQLOptions
{
    public const string Section = "Ledger:GraphQL";

    /// <summary>Serve GraphiQL to a browser at <c>GET /graphql</c> (docs/graphql.md; on by default). Off: that page and its files answer 404.</summary>
    public bool GraphiQL { get; set; } = true;

    /// <summary>Answer <c>__schema</c> and <c>__type</c> (docs/graphql.md; on by default). Off: a document asking for them is refused; <c>__typename</c> still works.</summary>
    public bool Introspection { get; set; } = true;

    /// <summary>Largest document (the <c>query</c> text, UTF-8): a longer one is refused before it is parsed (docs/graphql.md).</summary>
    public int MaxDocumentBytes { get; set; } = 64 * 1024;

    /// <summary>Most lexical tokens a document may have (comments not counted), counted before it is parsed (docs/graphql.md).</summary>
    public int MaxTokens { get; set; } = 10_000;

    /// <summary>Most errors one answer carries; past it the rest are summed up in one last error (docs/graphql.md).</summary>
    public int MaxErrors { get; set; } = 50;

    /// <summary>
    /// How often one response name (a field's alias, else its name) may appear in a document. Checking that same-named
    /// fields merge compares every pair of them, so this bounds validation's cost by the document's length.
    /// </summary>
    public int MaxFieldRepeats { get; set; } = 100;

    /// <summary>Deepest selection nesting a document may have.</summary>
    public int MaxDepth { get; set; } = 15;

    /// <summary>Largest estimated cost of a document (fields, multiplied by the page sizes they are asked for).</summary>
    public int MaxComplexity { get; set; } = 100_000;

    /// <summary>Deepest AST nesting the parser accepts (guards the parser itself against hostile documents).</summary>
    public int MaxParserDepth { get; set; } = 64;

    /// <summary>Largest <c>first</c> of a connection (the read models' page size cap).</summary>
    public int MaxPageSize { get; set; } = Projections.ReadModelQueries.MaxPageSize;

    /// <summary>Largest <c>first</c> of <c>stream</c>.</summary>
    public int MaxStreamPage { get; set; } = 1000;

    public int ExecutionTimeoutSeconds { get; set; } = 30;

    /// <summary>How long a WebSocket may stay open without <c>connection_init</c> (then 4408).</summary>
    public int ConnectionInitTimeoutSeconds { get; set; } = 10;

    /// <summary>Updates one subscription may have on its way to the client; one more disconnects it.</summary>
    public int SubscriberBuffer { get; set; } = 256;

    /// <summary>
    /// Bytes of updates one WebSocket may hold for its client, unread (docs/graphql.md: 1 MiB); past it the connection is
    /// closed with 1008. One message larger than this still goes out when nothing else waits.
    /// </summary>
    public int SubscriberBudgetBytes { get; set; } = 1024 * 1024;

    /// <summary>WebSocket connections one API key may hold open at once (docs/graphql.md); one more is closed with 1013.</summary>
    public int MaxConnectionsPerKey { get; set; } = 1000;

    /// <summary>Operations one WebSocket may run at once.</summary>
    public int MaxOperationsPerConnection { get; set; } = 200;

    /// <summary>Largest WebSocket message a client may send.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    internal void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new InvalidOperationException($"{Section}: {message}");
            }
        }
        Require(MaxDocumentBytes is >= 1024 and <= 16 * 1024 * 1024, "MaxDocumentBytes must be between 1024 and 16777216");
        Require(MaxTokens is >= 100 and <= 1_000_000, "MaxTokens must be between 100 and 1000000");
        Require(MaxErrors is >= 1 and <= 10_000, "MaxErrors must be between 1 and 10000");
        Require(MaxFieldRepeats is >= 10 and <= 100_000, "MaxFieldRepeats must be between 10 and 100000");
        Require(MaxDepth is >= 2 and <= 100, "MaxDepth must be between 2 and 100");
        Require(MaxComplexity >= 100, "MaxComplexity must be at least 100");
        Require(MaxParserDepth is >= 16 and <= 1000, "MaxParserDepth must be between 16 and 1000");
        Require(MaxPageSize is >= 1 and <= Projections.ReadModelQueries.MaxPageSize, $"MaxPageSize must be between 1 and {Projections.ReadModelQueries.MaxPageSize}");
        Require(MaxStreamPage is >= 1 and <= 10_000, "MaxStreamPage must be between 1 and 10000");
        Require(ExecutionTimeoutSeconds is >= 1 and <= 600, "ExecutionTimeoutSeconds must be between 1 and 600");
        Require(ConnectionInitTimeoutSeconds is >= 1 and <= 600, "ConnectionInitTimeoutSeconds must be between 1 and 600");
        Require(SubscriberBuffer is >= 1 and <= 100_000, "SubscriberBuffer must be between 1 and 100000");
        Require(SubscriberBudgetBytes is >= 4096 and <= 1024 * 1024 * 1024, "SubscriberBudgetBytes must be between 4096 and 1073741824");
        Require(MaxConnectionsPerKey is >= 1 and <= 1_000_000, "MaxConnectionsPerKey must be between 1 and 1000000");
        Require(MaxOperationsPerConnection is >= 1 and <= 10_000, "MaxOperationsPerConnection must be between 1 and 10000");
        Require(MaxMessageBytes is >= 1024 and <= 16 * 1024 * 1024, "MaxMessageBytes must be between 1024 and 16777216");
    }
}
