using System.Text.Json;
using GraphQL;
using GraphQL.Transport;
using GraphQLParser.AST;
using Ledger.Domain;
using Ledger.GraphQL.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Ledger.GraphQL.Transport;

/// <summary>
/// GraphQL over HTTP: <c>POST</c> with an <c>application/json</c> body, <c>GET</c> with the request in the query
/// string (queries only: a mutation over GET is a 405). Answers <c>application/graphql-response+json</c> when the
/// client accepts it, with that media type's status codes (400 when the document is not run), else
/// <c>application/json</c> (200 for every well-formed request). A browser's GET gets GraphiQL.
/// </summary>
public sealed class GraphQLHttpTransport(LedgerExecutor executor, GraphQLCallers callers, GraphiQLAssets graphiql)
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    public const string Json = "application/json";

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await ServeAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: parsing, validation and execution stopped with it, and nobody is left to answer.
        }
    }

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var isGet = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        if (isGet && WantsHtml(request))
        {
            await graphiql.WritePageAsync(context);
            return;
        }
        if (!isGet && !HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "GET, POST";
            await WriteErrorAsync(context, Json, StatusCodes.Status405MethodNotAllowed, "GraphQL is served over GET and POST");
            return;
        }
        if (Negotiate(request.Headers.Accept) is not { } mediaType)
        {
            await WriteErrorAsync(context, Json, StatusCodes.Status406NotAcceptable, $"the response is {GraphQLResponseJson} or {Json}; the Accept header allows neither");
            return;
        }
        if (callers.Authenticate(ApiKeyHeaders.KeyOf(request)) is not { } caller)
        {
            await WriteErrorAsync(context, mediaType, StatusCodes.Status401Unauthorized,
                "a valid API key is required: send Authorization: Bearer <key> or X-API-Key: <key>", ErrorCodes.Unauthenticated);
            return;
        }

        GraphQLRequest graphQLRequest;
        try
        {
            graphQLRequest = isGet ? FromQueryString(request) : await FromBodyAsync(request, context.RequestAborted);
        }
        catch (BadRequestException ex)
        {
            await WriteErrorAsync(context, mediaType, ex.Status, ex.Message);
            return;
        }

        var (document, operation) = executor.Inspect(graphQLRequest);
        if (operation == OperationType.Mutation && isGet)
        {
            context.Response.Headers.Allow = "POST";
            await WriteErrorAsync(context, mediaType, StatusCodes.Status405MethodNotAllowed, "mutations are sent with POST; GET runs queries only");
            return;
        }
        if (operation == OperationType.Subscription)
        {
            await WriteErrorAsync(context, mediaType, mediaType == GraphQLResponseJson ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK,
                "subscriptions are served over WebSocket at /graphql with the graphql-transport-ws subprotocol");
            return;
        }

        var result = await executor.ExecuteAsync(
            graphQLRequest, document, new LedgerRequestContext(caller.Tenant, executor.Services, scope: caller.Scope, actor: caller.ActorFrom(context.Connection.RemoteIpAddress)), isSubscription: false, context.RequestAborted);
        var status = mediaType == GraphQLResponseJson && !result.Executed ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
        await WriteResultAsync(context, mediaType, status, result);
    }

    /// <summary>A browser navigating here (it asks for HTML and not for a GraphQL response).</summary>
    private static bool WantsHtml(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("text/html", StringComparison.OrdinalIgnoreCase)
            && !accept.Contains(GraphQLResponseJson, StringComparison.OrdinalIgnoreCase)
            && !accept.Contains(Json, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The response media type the client accepts: no Accept header means application/json.</summary>
    internal static string? Negotiate(StringValues accept)
    {
        if (StringValues.IsNullOrEmpty(accept) || !MediaTypeHeaderValue.TryParseList(accept, out var ranges) || ranges.Count == 0)
        {
            return Json;
        }
        string? best = null;
        double bestQuality = 0;
        foreach (var range in ranges)
        {
            var quality = range.Quality ?? 1;
            var type = range.MediaType.Value?.ToLowerInvariant();
            string? candidate = type switch
            {
                GraphQLResponseJson => GraphQLResponseJson,
                Json or "application/*" or "*/*" => Json,
                _ => null,
            };
            // On equal quality the GraphQL media type wins, as the spec recommends.
            if (candidate is not null && quality > 0 && (quality > bestQuality || (quality == bestQuality && candidate == GraphQLResponseJson)))
            {
                best = candidate;
                bestQuality = quality;
            }
        }
        return best;
    }

    private GraphQLRequest FromQueryString(HttpRequest request)
    {
        var query = request.Query;
        if (string.IsNullOrEmpty(query["query"]))
        {
            throw new BadRequestException("a GET request carries the document in the `query` parameter");
        }
        return new GraphQLRequest
        {
            Query = query["query"],
            OperationName = string.IsNullOrEmpty(query["operationName"]) ? null : query["operationName"].ToString(),
            Variables = ReadObject<Inputs>(query["variables"], "variables"),
            Extensions = ReadObject<Inputs>(query["extensions"], "extensions"),
        };
    }

    private T? ReadObject<T>(string? json, string name)
        where T : class
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind switch
            {
                JsonValueKind.Object => executor.Serializer.ReadNode<T>(document.RootElement),
                JsonValueKind.Null => null,
                _ => throw new BadRequestException($"`{name}` must be a JSON object"),
            };
        }
        catch (JsonException ex)
        {
            throw new BadRequestException($"`{name}` is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
    }

    private async Task<GraphQLRequest> FromBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !string.Equals(contentType.MediaType.Value, Json, StringComparison.OrdinalIgnoreCase))
        {
            throw new BadRequestException($"a POST body is {Json}", StatusCodes.Status415UnsupportedMediaType);
        }
        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 64 }, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new BadRequestException($"the body is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
        using (body)
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BadRequestException("the body must be a JSON object with `query` (batches are not supported)");
            }
            if (!root.TryGetProperty("query", out var query) || query.ValueKind != JsonValueKind.String || query.GetString() is not { Length: > 0 } text)
            {
                throw new BadRequestException("the body must carry the document as a string in `query`");
            }
            return new GraphQLRequest
            {
                Query = text,
                OperationName = root.TryGetProperty("operationName", out var name) && name.ValueKind == JsonValueKind.String
                    ? name.GetString()
                    : name.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : throw new BadRequestException("`operationName` must be a string"),
                Variables = Member<Inputs>(root, "variables"),
                Extensions = Member<Inputs>(root, "extensions"),
            };
        }
    }

    private T? Member<T>(JsonElement root, string name)
        where T : class
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new BadRequestException($"`{name}` must be a JSON object");
        }
        try
        {
            return executor.Serializer.ReadNode<T>(value);
        }
        catch (JsonException)
        {
            throw new BadRequestException($"`{name}` cannot be read: it holds a string that is not text (a lone UTF-16 surrogate escape such as \\ud800)");
        }
    }

    private async Task WriteResultAsync(HttpContext context, string mediaType, int status, ExecutionResult result)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = mediaType + "; charset=utf-8";
        await executor.Serializer.WriteAsync(context.Response.Body, result, context.RequestAborted);
    }

    private Task WriteErrorAsync(HttpContext context, string mediaType, int status, string message, string? code = null)
    {
        var error = new ExecutionError(message);
        if (code is not null)
        {
            error.Code = code;
        }
        return WriteResultAsync(context, mediaType, status, new ExecutionResult { Errors = [error] });
    }

    private sealed class BadRequestException(string message, int status = StatusCodes.Status400BadRequest) : Exception(message)
    {
        public int Status { get; } = status;
    }
}
