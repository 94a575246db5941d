using System.Net;
using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests;

/// <summary>A server with GraphiQL and introspection turned off.</summary>
public sealed class UnexposedServer : IAsyncLifetime
{
    public LedgerServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GraphQLServer.StartAsync(new Dictionary<string, string>
    {
        ["Ledger__GraphQL__GraphiQL"] = "false",
        ["Ledger__GraphQL__Introspection"] = "false",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>GraphiQL and introspection are on by default and each can be turned off (docs/graphql.md).</summary>
[Collection(SharedServerCollection.Name)]
public sealed class ExposureTests(SharedServer shared, UnexposedServer unexposed) : IClassFixture<UnexposedServer>
{
    private const string Introspection = "{ __schema { queryType { name } } __type(name: \"Webhook\") { name } }";

    [Fact]
    public async Task With_graphiql_off_a_browser_gets_404_and_graphql_still_answers()
    {
        using var browser = new HttpClient { BaseAddress = unexposed.Server.BaseAddress };
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");

        using var page = await browser.GetAsync("/graphql");
        using var asset = await browser.GetAsync("/graphiql/index.html");
        using var client = unexposed.Server.Client();
        var data = await client.QueryAsync("{ __typename }");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("Ledger__GraphQL__GraphiQL", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, asset.StatusCode);
        Assert.Equal("Query", data.Str("__typename"));
    }

    [Fact]
    public async Task With_introspection_off_schema_and_type_are_refused_but_typename_works()
    {
        using var client = unexposed.Server.Client();

        var response = await client.PostAsync(Introspection);
        var typename = await client.QueryAsync("{ webhooks(first: 1) { __typename } }");

        Assert.True(response.HasErrors);
        Assert.False(response.Body.TryGetProperty("data", out var data) && data.ValueKind == System.Text.Json.JsonValueKind.Object);
        Assert.Contains("introspection", response.FirstError.Str("message"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("WebhookConnection", typename.GetProperty("webhooks").Str("__typename"));
    }

    [Fact]
    public async Task By_default_introspection_is_answered()
    {
        using var client = shared.Server.Client();

        var data = await client.QueryAsync(Introspection);

        Assert.Equal("Query", data.GetProperty("__schema").GetProperty("queryType").Str("name"));
        Assert.Equal("Webhook", data.GetProperty("__type").Str("name"));
    }
}
