using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ledger.GraphQL.Tests;

/// <summary>GraphQL over HTTP from a test: POST a document, read the answer.</summary>
public static class GraphQLHttp
{
    public sealed record Response(int Status, string? MediaType, JsonElement Body)
    {
        public JsonElement Data => Body.GetProperty("data");

        public bool HasErrors => Body.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0;

        public JsonElement FirstError => Body.GetProperty("errors")[0];

        public string? FirstErrorCode => FirstError.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("code", out var code) ? code.GetString() : null;
    }

    public static async Task<Response> PostAsync(this HttpClient client, string query, object? variables = null, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(new { query, variables }) };
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }
        return await SendGraphQLAsync(client, request);
    }

    public static async Task<Response> SendGraphQLAsync(this HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Response((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }

    /// <summary>Runs a document that must succeed; returns its <c>data</c>.</summary>
    public static async Task<JsonElement> QueryAsync(this HttpClient client, string query, object? variables = null)
    {
        var response = await client.PostAsync(query, variables);
        Assert.True(response.Status == 200 && !response.HasErrors, $"expected data, got {response.Status}: {response.Body}");
        return response.Data;
    }

    /// <summary>Runs a document that must fail with <paramref name="code"/>; returns the first error.</summary>
    public static async Task<JsonElement> ErrorAsync(this HttpClient client, string query, string code, object? variables = null)
    {
        var response = await client.PostAsync(query, variables);
        Assert.True(response.HasErrors, $"expected the error {code}, got {response.Status}: {response.Body}");
        Assert.Equal(code, response.FirstErrorCode);
        return response.FirstError;
    }

    public static HttpClient WithoutKey(this HttpClient client)
    {
        var anonymous = new HttpClient { BaseAddress = client.BaseAddress };
        anonymous.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return anonymous;
    }

    public static string Str(this JsonElement element, string name) => element.GetProperty(name).GetString()!;
}
