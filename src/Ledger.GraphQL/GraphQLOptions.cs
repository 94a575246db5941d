namespace Ledger.GraphQL;

/// <summary>
/// The limits of <c>/graphql</c> (configuration section <c>Ledger:GraphQL</c>). A request over a limit is refused with a
/// GraphQL error before anything runs; a subscriber that falls behind is disconnected rather than buffered.
/// </summary>
public sealed class GraphQLOptions
{
    public const string Section = "Ledger:GraphQL";

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
        Require(MaxDepth is >= 2 and <= 100, "MaxDepth must be between 2 and 100");
        Require(MaxComplexity >= 100, "MaxComplexity must be at least 100");
        Require(MaxParserDepth is >= 16 and <= 1000, "MaxParserDepth must be between 16 and 1000");
        Require(MaxPageSize is >= 1 and <= Projections.ReadModelQueries.MaxPageSize, $"MaxPageSize must be between 1 and {Projections.ReadModelQueries.MaxPageSize}");
        Require(MaxStreamPage is >= 1 and <= 10_000, "MaxStreamPage must be between 1 and 10000");
        Require(ExecutionTimeoutSeconds is >= 1 and <= 600, "ExecutionTimeoutSeconds must be between 1 and 600");
        Require(ConnectionInitTimeoutSeconds is >= 1 and <= 600, "ConnectionInitTimeoutSeconds must be between 1 and 600");
        Require(SubscriberBuffer is >= 1 and <= 100_000, "SubscriberBuffer must be between 1 and 100000");
        Require(MaxOperationsPerConnection is >= 1 and <= 10_000, "MaxOperationsPerConnection must be between 1 and 10000");
        Require(MaxMessageBytes is >= 1024 and <= 16 * 1024 * 1024, "MaxMessageBytes must be between 1024 and 16777216");
    }
}
