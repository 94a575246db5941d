using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Ledger.GraphQL.Tests;

/// <summary>GraphQL over HTTP as the spec has it, the limits, and GraphiQL.</summary>
[Collection(SharedServerCollection.Name)]
public sealed class HttpTransportTests(SharedServer shared)
{
    private const string GraphQLResponse = "application/graphql-response+json";

    [Fact]
    public async Task The_response_media_type_follows_accept_and_decides_the_status_of_a_document_that_does_not_run()
    {
        using var client = shared.Server.Client();

        var modern = await client.PostAsync("{ webhooks { totalCount } }", accept: GraphQLResponse);
        Assert.Equal((200, GraphQLResponse), (modern.Status, modern.MediaType));

        var legacy = await client.PostAsync("{ webhooks { totalCount } }");
        Assert.Equal((200, "application/json"), (legacy.Status, legacy.MediaType));

        var invalidModern = await client.PostAsync("{ noSuchField }", accept: GraphQLResponse);
        Assert.Equal(400, invalidModern.Status);
        Assert.True(invalidModern.HasErrors);
        Assert.False(invalidModern.Body.TryGetProperty("data", out _));

        var invalidLegacy = await client.PostAsync("{ noSuchField }", accept: "application/json");
        Assert.Equal(200, invalidLegacy.Status);
        Assert.True(invalidLegacy.HasErrors);

        var syntax = await client.PostAsync("{ webhooks {", accept: GraphQLResponse);
        Assert.Equal(400, syntax.Status);

        var executionError = await client.PostAsync("mutation { deleteWebhook(id: \"wh_nope\") }", accept: GraphQLResponse);
        Assert.Equal(200, executionError.Status);
        Assert.Equal("NOT_FOUND", executionError.FirstErrorCode);

        var unacceptable = await client.PostAsync("{ webhooks { totalCount } }", accept: "text/csv");
        Assert.Equal(406, unacceptable.Status);
    }

    [Fact]
    public async Task Malformed_requests_are_400_and_a_body_that_is_not_json_is_415()
    {
        using var client = shared.Server.Client();

        var notJson = await client.SendGraphQLAsync(new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent("{ nope", Encoding.UTF8, "application/json") });
        Assert.Equal(400, notJson.Status);
        Assert.True(notJson.HasErrors);

        var noQuery = await client.SendGraphQLAsync(new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent("""{"variables":{}}""", Encoding.UTF8, "application/json") });
        Assert.Equal(400, noQuery.Status);

        var badVariables = await client.SendGraphQLAsync(new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent("""{"query":"{ __typename }","variables":[1]}""", Encoding.UTF8, "application/json") });
        Assert.Equal(400, badVariables.Status);

        var text = await client.SendGraphQLAsync(new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent("{ __typename }", Encoding.UTF8, "text/plain") });
        Assert.Equal(415, text.Status);

        using var put = await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/graphql") { Content = new StringContent("{}", Encoding.UTF8, "application/json") });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
    }

    [Fact]
    public async Task Get_runs_queries_and_answers_a_mutation_with_405()
    {
        using var client = shared.Server.Client();

        var query = await client.SendGraphQLAsync(Get("query Named($n: Int) { webhooks(first: $n) { totalCount } }", """{"n":1}""", "Named"));
        Assert.Equal(200, query.Status);
        Assert.False(query.HasErrors, query.Body.ToString());

        using var request = Get("mutation { deleteWebhook(id: \"wh_x\") }");
        using var mutation = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, mutation.StatusCode);
        Assert.Contains("POST", mutation.Content.Headers.Allow);
        Assert.Contains("POST", (await mutation.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        var list = (await client.QueryAsync("{ webhooks(first: 1) { totalCount } }")).GetProperty("webhooks");
        Assert.Equal(JsonValueKind.Number, list.GetProperty("totalCount").ValueKind);
    }

    [Fact]
    public async Task A_request_without_a_valid_key_is_401()
    {
        using var anonymous = shared.Server.Client("not-a-key-0123456789");

        var response = await anonymous.PostAsync("{ webhooks { totalCount } }");

        Assert.Equal(401, response.Status);
    }

    [Fact]
    public async Task A_query_nested_20_levels_deep_is_refused_with_a_graphql_error_before_it_runs()
    {
        using var client = shared.Server.Client();
        // webhook → deliveries → edges → node → webhook …: 4 levels a round, 5 rounds.
        var query = "{ webhooks { edges { node { " + string.Concat(Enumerable.Repeat("deliveries { edges { node { webhook { ", 5)) + "id" + new string('}', 5 * 4) + " } } } }";

        var response = await client.PostAsync(query, accept: GraphQLResponse);

        Assert.Equal(400, response.Status);
        Assert.False(response.Body.TryGetProperty("data", out _));
        Assert.Contains("nested", response.FirstError.Str("message"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_document_nested_past_the_parsers_limit_is_refused_before_it_is_even_validated()
    {
        using var client = shared.Server.Client();
        var query = string.Concat(Enumerable.Repeat("{ a ", 200)) + new string('}', 200);

        var response = await client.PostAsync(query, accept: GraphQLResponse);

        Assert.Equal(400, response.Status);
        Assert.False(response.Body.TryGetProperty("data", out _));
        Assert.Contains("depth", response.FirstError.Str("message"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Asking_for_10000_items_is_refused_with_a_graphql_error_before_it_runs()
    {
        using var client = shared.Server.Client();

        foreach (var (query, variables) in new (string, object?)[]
        {
            ("{ deliveries(first: 10000) { edges { cursor } } }", null),
            ("query($n: Int) { webhooks(first: $n) { totalCount } }", new { n = 10_000 }),
            ("{ stream(id: \"tenant-default\", first: 10000) { type } }", null),
        })
        {
            var response = await client.PostAsync(query, variables, accept: GraphQLResponse);
            Assert.Equal(400, response.Status);
            Assert.False(response.Body.TryGetProperty("data", out _));
            Assert.Equal("VALIDATION_FAILED", response.FirstErrorCode);
            Assert.Equal("first", response.FirstError.GetProperty("extensions").Str("field"));
        }
    }

    [Fact]
    public async Task Subscriptions_over_http_are_refused_with_the_way_to_subscribe()
    {
        using var client = shared.Server.Client();

        var response = await client.PostAsync("subscription { ledgerAppended { type } }", accept: GraphQLResponse);

        Assert.Equal(400, response.Status);
        Assert.Contains("graphql-transport-ws", response.FirstError.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_follow_their_cursors_to_the_end_without_repeats()
    {
        using var client = shared.Server.Client();
        var webhookId = (await client.QueryAsync("mutation($url: String!) { createWebhook(input: { url: $url, retrySchedule: [], events: [\"page.*\"] }) { webhook { id } } }", new { url = Receivers.Refusing() }))
            .GetProperty("createWebhook").GetProperty("webhook").Str("id");
        for (var i = 0; i < 5; i++)
        {
            await client.QueryAsync("mutation { publishEvent(input: { type: \"page.made\", data: {} }) { event { id } } }");
        }

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        while (true)
        {
            var page = (await client.QueryAsync(
                "query($id: ID!, $after: String) { webhook(id: $id) { deliveries(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }",
                new { id = webhookId, after })).GetProperty("webhook").GetProperty("deliveries");
            pages++;
            var edges = page.GetProperty("edges").EnumerateArray().ToList();
            seen.AddRange(edges.Select(e => e.GetProperty("node").Str("id")));
            var info = page.GetProperty("pageInfo");
            if (!info.GetProperty("hasNextPage").GetBoolean())
            {
                break;
            }
            Assert.Equal(edges[^1].Str("cursor"), info.Str("endCursor"));
            after = info.Str("endCursor");
        }

        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Distinct().Count());
        Assert.Equal(5, seen.Count);
    }

    [Fact]
    public async Task A_browser_gets_graphiql_whose_files_are_all_served_from_this_origin()
    {
        using var browser = new HttpClient { BaseAddress = shared.Server.BaseAddress };
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        using var page = await browser.GetAsync("/graphql");
        var html = await page.Content.ReadAsStringAsync();

        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GraphiQL is not served ({(int)page.StatusCode}): {html}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self' ws: wss:", policy, StringComparison.Ordinal);
        var assets = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(assets);
        foreach (var asset in assets)
        {
            Assert.StartsWith("/graphiql/", asset, StringComparison.Ordinal);
            using var file = await browser.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, file.StatusCode);
            var text = await file.Content.ReadAsStringAsync();
            Assert.DoesNotContain("@import url(http", text, StringComparison.OrdinalIgnoreCase);
        }
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    private static HttpRequestMessage Get(string query, string? variables = null, string? operationName = null)
    {
        var url = "/graphql?query=" + Uri.EscapeDataString(query)
            + (variables is null ? "" : "&variables=" + Uri.EscapeDataString(variables))
            + (operationName is null ? "" : "&operationName=" + Uri.EscapeDataString(operationName));
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }
}
