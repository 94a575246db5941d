using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Ledger.Server.Tests;

/// <summary>The OpenAPI document covers every mapped <c>/v1</c> route, reads back without errors and validates; every operation behind a key declares the error body.</summary>
public sealed class OpenApiTests(InProcessServer server) : IClassFixture<InProcessServer>
{
    private async Task<(OpenApiDocument Document, OpenApiDiagnostic Diagnostic, string Text)> LoadAsync()
    {
        using var client = server.Client();
        var text = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var settings = new OpenApiReaderSettings();
        var result = OpenApiDocument.Parse(text, "json", settings);
        return (result.Document!, result.Diagnostic!, text);
    }

    [Fact]
    public async Task Every_mapped_v1_route_and_method_is_in_the_document()
    {
        var (document, _, _) = await LoadAsync();
        var mapped = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet();
        var documented = document.Paths.SelectMany(p => p.Value.Operations!.Keys.Select(m => $"{m.Method} {p.Key}")).ToHashSet();

        Assert.NotEmpty(mapped);
        Assert.Empty(mapped.Except(documented));
    }

    [Fact]
    public async Task Every_route_of_the_document_is_listed_in_docs_rest_md()
    {
        var (document, _, _) = await LoadAsync();
        var page = await File.ReadAllTextAsync(Path.Combine(NodeScripts.RepoRoot, "docs", "rest.md"));
        var routes = document.Paths.SelectMany(p => p.Value.Operations!.Keys.Select(m => $"`{m.Method.ToUpperInvariant()} {p.Key}`")).ToList();

        var missing = routes.Where(r => !page.Contains(r, StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(routes);
        Assert.True(missing.Count == 0, "docs/rest.md does not list " + string.Join(", ", missing));
    }

    [Fact]
    public async Task The_document_is_OpenAPI_3_1_and_validates()
    {
        var (document, diagnostic, text) = await LoadAsync();

        Assert.StartsWith("3.1", text[(text.IndexOf("\"openapi\": \"", StringComparison.Ordinal) + 12)..], StringComparison.Ordinal);
        Assert.Empty(diagnostic.Errors);
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
    }

    [Fact]
    public async Task Operations_declare_the_error_body_and_the_api_key_schemes()
    {
        var (document, _, _) = await LoadAsync();

        Assert.Equal(["apiKey", "bearer"], document.Components!.SecuritySchemes!.Keys.Order());
        Assert.Equal("X-API-Key", document.Components.SecuritySchemes["apiKey"].Name);
        Assert.NotEmpty(document.Security!);
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations!.Where(o => o.Value.Security is not { Count: 0 }))
            {
                var error = operation.Responses!["400"].Content!["application/json"].Schema;
                Assert.True(error is OpenApiSchemaReference { Reference.Id: "ErrorResponse" }, $"{method} {path} 400 is not the error body");
            }
        }
    }
}
