using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ledger.Domain;
using Ledger.Server.Api.Contract;

namespace Ledger.Server.Api;

/// <summary>How the REST API reads and writes JSON: the contract's types (<see cref="ApiJsonContext"/>), characters unescaped where JSON allows.</summary>
public static class ApiJson
{
    public const int MaxBodyBytes = 256 * 1024;

    public const int MaxDepth = 64;

    public static readonly JsonSerializerOptions Options = new(ApiJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    /// <summary>
    /// Reads a JSON object body of at most <paramref name="maxBytes"/> into <typeparamref name="T"/>. Too large is 413;
    /// malformed JSON, a lone surrogate escape anywhere, or a field of the wrong type is 400 naming the field — all
    /// before anything happens.
    /// </summary>
    public static async Task<T> ReadBodyAsync<T>(HttpRequest request, int maxBytes = MaxBodyBytes)
    {
        using var document = await ReadDocumentAsync(request, maxBytes);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw DomainException.Validation("body", "the body must be a JSON object");
        }
        JsonText.RequireWellFormedStrings(root);
        var typeInfo = TypeInfo<T>();
        try
        {
            return root.Deserialize(typeInfo) ?? throw DomainException.Validation("body", "the body must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw WrongType(typeInfo, ex.Path);
        }
    }

    private static async Task<JsonDocument> ReadDocumentAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            throw DomainException.Validation("body", "a JSON object body is required");
        }
        try
        {
            return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException ex)
        {
            throw DomainException.Validation("body", $"the body is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
    }

    private static DomainException TooLarge(int maxBytes) => new(ErrorCodes.PayloadTooLarge, $"the request body is over {maxBytes / 1024} KiB");

    /// <summary>The field a deserialization error is at (<c>$.filters.address</c> → <c>filters.address</c>, <c>$.events[1]</c> → <c>events</c>) and what it should be.</summary>
    private static DomainException WrongType(JsonTypeInfo typeInfo, string? path)
    {
        var segments = (path ?? "$").TrimStart('$').TrimStart('.').Split('.', '[')[0..];
        var name = segments.Length > 0 ? segments[0] : "";
        var property = typeInfo.Properties.FirstOrDefault(p => p.Name == name);
        if (property is null)
        {
            return DomainException.Validation("body", "the body does not match the expected shape");
        }
        if (property.PropertyType == typeof(WebhookFiltersRequest) && segments.Length > 1 && segments[1].Length > 0)
        {
            var inner = $"{name}.{segments[1]}";
            return DomainException.Validation(inner, $"{inner} must be a string");
        }
        return DomainException.Validation(name, $"{name} must be {Expected(property.PropertyType)}");
    }

    private static string Expected(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(string) => "a string",
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(int) => "a whole number",
        var t when t == typeof(List<string>) => "an array of strings",
        var t when t == typeof(List<int>) => "an array of whole numbers",
        var t when t == typeof(Dictionary<string, string>) => "an object of string values",
        var t when t == typeof(WebhookFiltersRequest) => "an object with address, identifier and topic",
        _ => "a JSON value of the documented type",
    };
}
