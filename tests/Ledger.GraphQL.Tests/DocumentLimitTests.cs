using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GraphQL;
using GraphQL.Validation;
using GraphQLParser.AST;
using Ledger.GraphQL.Execution;
using Ledger.GraphQL.Schema;

namespace Ledger.GraphQL.Tests;

/// <summary>
/// What a document may cost (docs/graphql.md): one over 64 KiB or 10,000 tokens is refused before it is parsed, with a
/// small answer; a response name repeated past 100 times is refused before fields are compared; no answer carries more
/// than 50 errors; validation stops once its operation is cancelled; and the limits that hold after parsing (aliases,
/// fragment cycles, batches).
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class DocumentLimitTests(SharedServer shared)
{
    private const string GraphQLResponse = "application/graphql-response+json";

    /// <summary>An answer that says no in a few hundred bytes, not one that lists what is wrong with each field.</summary>
    private const int SmallAnswer = 2048;

    public static TheoryData<string, string> HugeDocuments => new()
    {
        { "60,000 __typename fields", "{ " + string.Concat(Enumerable.Repeat("__typename ", 60_000)) + "}" },
        { "50,000 repeated directives", "{ __typename " + string.Concat(Enumerable.Repeat("@include(if: true) ", 50_000)) + "}" },
        { "150,000 unknown fields", "{ " + string.Concat(Enumerable.Repeat("x ", 150_000)) + "}" },
        { "10,001 tokens in 30 KiB", "{ __typename " + string.Concat(Enumerable.Repeat("@skip(if:false)", 1_430)) + "}" },
    };

    [Theory]
    [MemberData(nameof(HugeDocuments))]
    public async Task A_document_over_the_byte_or_token_limit_is_refused_before_parsing_with_a_small_answer(string what, string query)
    {
        using var client = shared.Server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query }) };
        request.Headers.Accept.ParseAdd(GraphQLResponse);

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.True((int)response.StatusCode == 400, $"{what}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 500)))}");
        Assert.InRange(body.Length, 1, SmallAnswer);
        using var answer = JsonDocument.Parse(body);
        var error = Assert.Single(answer.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal("PAYLOAD_TOO_LARGE", error.GetProperty("extensions").Str("code"));
        Assert.False(answer.RootElement.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task A_document_just_inside_the_limits_still_runs()
    {
        using var client = shared.Server.Client();
        // 2 + 3 × 3,000 = 9,002 tokens in about 36 KiB.
        var query = "{ " + string.Concat(Enumerable.Range(0, 3_000).Select(i => $"a{i}:__typename ")) + "}";

        var data = await client.QueryAsync(query);

        Assert.Equal("Query", data.Str("a2999"));
    }

    [Fact]
    public async Task An_answer_carries_at_most_50_errors()
    {
        using var client = shared.Server.Client();
        var query = "{ " + string.Concat(Enumerable.Range(0, 1_000).Select(i => $"unknown{i} ")) + "}";

        var response = await client.PostAsync(query, accept: GraphQLResponse);

        var errors = response.Body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(50, errors.Count);
        Assert.Contains("unknown0", errors[0].Str("message"), StringComparison.Ordinal);
        Assert.Contains("an answer carries at most 50", errors[^1].Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_name_repeated_more_than_100_times_is_refused_before_the_fields_are_compared()
    {
        using var client = shared.Server.Client();
        // Within 64 KiB and 10,000 tokens, yet comparing every pair of these fields took seconds.
        var query = "{ " + string.Concat(Enumerable.Repeat("__typename ", 5_900)) + "}";

        var response = await client.PostAsync(query, accept: GraphQLResponse);

        Assert.Equal(400, response.Status);
        Assert.Equal("VALIDATION_FAILED", response.FirstErrorCode);
        Assert.Contains("`__typename` more than 100 times", response.FirstError.Str("message"), StringComparison.Ordinal);
        Assert.Single(response.Body.GetProperty("errors").EnumerateArray());
        var hundred = await client.QueryAsync("{ " + string.Concat(Enumerable.Repeat("__typename ", 100)) + "}");
        Assert.Equal("Query", hundred.Str("__typename"));
        // The same name under different aliases is in different places: 150 lists that each select `id` are fine.
        var spread = await client.PostAsync("fragment F on Query { __typename } { " + string.Concat(Enumerable.Range(0, 150).Select(i => $"...F a{i}: webhooks(first: 1) {{ edges {{ node {{ id }} }} }} ")) + "}");
        Assert.False(spread.HasErrors, spread.Body.ToString());
        var fragments = string.Concat(Enumerable.Range(0, 900).Select(i => $"fragment f{i} on Query {{ __typename }} "));
        var manyFragments = await client.PostAsync(fragments + "{ " + string.Concat(Enumerable.Range(0, 900).Select(i => $"...f{i} ")) + "}", accept: GraphQLResponse);
        Assert.Equal("VALIDATION_FAILED", manyFragments.FirstErrorCode);
        Assert.Contains("`__typename` more than 100 times", manyFragments.FirstError.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_websocket_a_document_over_the_limit_is_answered_with_an_error_and_the_connection_stays_open()
    {
        await using var client = await WsClient.ConnectAndInitAsync(shared.Server.WebSocketAddress(), GraphQLServer.ApiKey);
        var query = "subscription { ledgerAppended { type " + string.Concat(Enumerable.Repeat("type ", 20_000)) + "} }";

        await client.SendAsync(new { id = "huge", type = "subscribe", payload = new { query } });
        var answer = await client.ReceiveAsync();
        await client.SendAsync(new { type = "ping" });

        Assert.Equal(("error", "huge"), (answer.Str("type"), answer.Str("id")));
        Assert.Equal("PAYLOAD_TOO_LARGE", Assert.Single(answer.GetProperty("payload").EnumerateArray()).GetProperty("extensions").Str("code"));
        Assert.Equal("pong", (await client.ReceiveAsync()).Str("type"));
    }

    [Fact]
    public async Task Validation_stops_at_the_next_node_once_its_operation_is_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var cancelling = new NodeCounter(cancelAfter: 10, cancel);
        var after = new NodeCounter(cancelAfter: int.MaxValue, cancel);
        var query = "{ " + string.Concat(Enumerable.Range(0, 1_000).Select(i => $"a{i}:__typename ")) + "}";

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DocumentExecuter().ExecuteAsync(new ExecutionOptions
        {
            Schema = new LedgerSchema(),
            Query = query,
            ValidationRules = [cancelling, CancellationRule.Instance, .. DocumentValidator.CoreRules, after],
            CancellationToken = cancel.Token,
        }));

        Assert.Equal(10, cancelling.Entered);
        Assert.Equal(9, after.Entered);
    }

    [Fact]
    public async Task Thousands_of_aliases_of_a_list_are_refused_by_their_cost_before_they_run()
    {
        using var client = shared.Server.Client();
        var query = "{ " + string.Concat(Enumerable.Range(0, 500).Select(i => $"d{i}:deliveries(first:250){{edges{{node{{id}}}}}} ")) + "}";

        var response = await client.PostAsync(query, accept: GraphQLResponse);

        Assert.Equal(400, response.Status);
        Assert.False(response.Body.TryGetProperty("data", out _));
        Assert.Contains("complex", response.FirstError.Str("message"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_fragment_cycle_is_refused_before_it_runs()
    {
        using var client = shared.Server.Client();
        const string query = "query { ...A } fragment A on Query { ...B } fragment B on Query { webhooks { totalCount } ...A }";

        var response = await client.PostAsync(query, accept: GraphQLResponse);

        Assert.Equal(400, response.Status);
        Assert.False(response.Body.TryGetProperty("data", out _));
        Assert.Contains("itself", response.FirstError.Str("message"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_batch_of_operations_is_refused()
    {
        using var client = shared.Server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = JsonContent.Create(Enumerable.Repeat(new { query = "{ webhooks { totalCount } }" }, 100)),
        };

        var response = await client.SendGraphQLAsync(request);

        Assert.Equal(400, response.Status);
        Assert.Contains("batches are not supported", response.FirstError.Str("message"), StringComparison.Ordinal);
    }

    /// <summary>Counts the nodes validation enters; cancels the operation on the given one.</summary>
    private sealed class NodeCounter(int cancelAfter, CancellationTokenSource cancel) : IValidationRule, INodeVisitor
    {
        public int Entered { get; private set; }

        public ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(this);

        public ValueTask<IVariableVisitor?> GetVariableVisitorAsync(ValidationContext context) => default;

        public ValueTask<INodeVisitor?> GetPostNodeVisitorAsync(ValidationContext context) => default;

        public ValueTask EnterAsync(ASTNode node, ValidationContext context)
        {
            if (++Entered == cancelAfter)
            {
                cancel.Cancel();
            }
            return default;
        }

        public ValueTask LeaveAsync(ASTNode node, ValidationContext context) => default;
    }
}
