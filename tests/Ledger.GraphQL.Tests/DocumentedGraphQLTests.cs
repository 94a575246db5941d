using System.Text.Json;
using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests;

/// <summary>
/// The GraphQL the docs show works as shown: every GraphQL document in README.md and docs/ is valid against the
/// repository's schema file (checked by graphql-js), docs/graphql.md's examples run against a real server, and its
/// graphql-ws watcher, pasted as it is, prints deliveries as they change.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class DocumentedGraphQLTests(SharedServer shared)
{
    private const string Page = "docs/graphql.md";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Blocks that are documents to send, not lists of field signatures (which the Inspector's page shows).</summary>
    private static bool IsDocument(MarkdownBlock block) =>
        block.Language == "graphql"
        && new[] { "query", "mutation", "subscription", "{", "fragment" }.Any(start => block.Text.TrimStart().StartsWith(start, StringComparison.Ordinal));

    [Fact]
    public async Task Every_GraphQL_document_in_the_docs_is_valid_against_the_schema_file()
    {
        var documents = MarkdownBlocks.Pages().SelectMany(MarkdownBlocks.Of).Where(IsDocument)
            .Select(b => new { name = $"{b.Page}:{b.Line}", text = b.Text }).ToList();
        NodeSubscriber.RequireModules();

        var output = await NodeScripts.RunAsync("validate-graphql-docs.mjs", JsonSerializer.Serialize(new { schema = Repository.SchemaPath, documents }));

        Assert.True(documents.Count >= 3, $"only {documents.Count} GraphQL documents found in the docs");
        Assert.Equal("[]", JsonDocument.Parse(output).RootElement.GetProperty("problems").GetRawText());
    }

    [Fact]
    public async Task The_examples_of_the_GraphQL_page_run_against_a_server()
    {
        await using var receiver = await Receiver.StartAsync();
        using var client = shared.Server.Client();
        await client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { "payout.*" } });
        var examples = MarkdownBlocks.Of(Page).Where(b => IsDocument(b) && !b.Text.TrimStart().StartsWith("subscription", StringComparison.Ordinal)).ToList();
        string? deliveryId = null;

        var answers = new List<JsonElement>();
        foreach (var example in examples)
        {
            var variables = example.Text.Contains("$id", StringComparison.Ordinal) ? new { id = deliveryId } : null;
            var data = await client.QueryAsync(example.Text, variables);
            answers.Add(data);
            if (data.TryGetProperty("publishEvent", out var published) && published.GetProperty("deliveries").GetArrayLength() > 0)
            {
                deliveryId = published.GetProperty("deliveries")[0].GetProperty("id").GetString();
            }
        }
        var curl = MarkdownBlocks.Of(Page).Single(b => b.Language == "bash");
        var fromCurl = await NodeScripts.RunProgramAsync("bash", ["-c", Exported(curl.Text)], "", "install bash and curl");

        Assert.True(examples.Count >= 3, $"only {examples.Count} examples on {Page}");
        Assert.NotNull(deliveryId);
        Assert.Contains(answers, a => a.TryGetProperty("delivery", out var d) && d.GetProperty("history").GetArrayLength() > 0
            && d.GetProperty("historyVerified").GetBoolean());
        Assert.True(JsonDocument.Parse(fromCurl).RootElement.GetProperty("data").GetProperty("webhooks").GetProperty("totalCount").GetInt32() >= 1);
    }

    [Fact]
    public async Task The_graphql_ws_watcher_of_the_page_prints_a_delivery_as_it_changes()
    {
        await using var receiver = await Receiver.StartAsync();
        using var client = shared.Server.Client();
        var type = "docs." + Guid.NewGuid().ToString("N");
        await client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { type } });
        var watcher = MarkdownBlocks.Of(Page).Single(b => b.Marker == "graphql-ws");
        // Beside tests/node's packages, as a user's script sits beside theirs.
        var script = Path.Combine("tests", "node", $".docs-watch-{Guid.NewGuid():N}.mjs");
        await File.WriteAllTextAsync(Path.Combine(Repository.Root, script), watcher.Text);
        try
        {
            using var node = NodeSubscriber.StartScript(script, Environment());

            // A subscription sees only what happens after it is live, and nothing says when that is: publish again
            // (at most 10 times) until the watcher prints one of these deliveries. It prints the tenant's others too
            // (earlier tests' retries, catch-all webhooks): those lines are passed over.
            var published = new HashSet<string>();
            string? line = null;
            for (var i = 0; i < 10 && line is null; i++)
            {
                var deliveries = (await client.PublishAsync(new { type, data = new { n = i } })).GetProperty("deliveries").EnumerateArray();
                published.UnionWith(deliveries.Select(d => d.Id()));
                line = await OneOfAsync(node, published, TimeSpan.FromSeconds(3));
            }

            Assert.NotNull(line);
            Assert.Matches(@"^dlv_\S+ (PENDING|RETRYING|DELIVERED|FAILED) after \d+ attempt\(s\) to http", line);
        }
        finally
        {
            File.Delete(Path.Combine(Repository.Root, script));
        }
    }

    /// <summary>The first line the watcher prints within <paramref name="wait"/> about one of <paramref name="ids"/>; null if none.</summary>
    private static async Task<string?> OneOfAsync(NodeSubscriber node, IReadOnlySet<string> ids, TimeSpan wait)
    {
        var deadline = DateTimeOffset.UtcNow + wait;
        while (DateTimeOffset.UtcNow < deadline)
        {
            string line;
            try
            {
                line = await node.NextLineAsync(deadline - DateTimeOffset.UtcNow);
            }
            catch (InvalidOperationException) when (!node.HasExited)
            {
                return null;
            }
            if (ids.Any(id => line.StartsWith(id + " ", StringComparison.Ordinal)))
            {
                return line;
            }
        }
        return null;
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["LEDGER_URL"] = shared.Server.BaseAddress.ToString().TrimEnd('/'),
        ["LEDGER_API_KEY"] = LedgerServer.ApiKey,
    };

    private string Exported(string commands) =>
        string.Concat(Environment().Select(e => $"export {e.Key}='{e.Value}'\n")) + commands;
}
