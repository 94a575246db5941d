using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ledger.Domain;

namespace Ledger.Server.Api;

/// <summary>How the REST API writes JSON: camelCase, nulls kept, times as UTC ISO-8601 with a Z.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    public const int MaxBodyBytes = 256 * 1024;

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new UtcTimeConverter());
        options.Converters.Add(new NullableUtcTimeConverter());
        return options;
    }

    public static string FormatTime(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(FormatTime(value));
    }

    private sealed class NullableUtcTimeConverter : JsonConverter<DateTimeOffset?>
    {
        public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
        {
            if (value is { } at)
            {
                writer.WriteStringValue(FormatTime(at));
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    /// <summary>Reads a JSON body of at most <paramref name="maxBytes"/>: too large is 413, malformed is 400, both before anything happens.</summary>
    public static async Task<JsonElement> ReadBodyAsync(HttpRequest request, int maxBytes = MaxBodyBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            throw new DomainException(ErrorCodes.PayloadTooLarge, $"the request body is over {maxBytes / 1024} KiB");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new DomainException(ErrorCodes.PayloadTooLarge, $"the request body is over {maxBytes / 1024} KiB");
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            throw DomainException.Validation("body", "a JSON object body is required");
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw DomainException.Validation("body", "the body must be a JSON object");
            }
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw DomainException.Validation("body", $"the body is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
    }
}

/// <summary>Typed reads of request fields with the contract's validation errors.</summary>
public static class JsonFields
{
    public static bool Has(this JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    public static string? String(this JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw DomainException.Validation(name, $"{name} must be a string");
    }

    public static bool? Bool(this JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw DomainException.Validation(name, $"{name} must be true or false"),
        };
    }

    public static int? Int(this JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : throw DomainException.Validation(name, $"{name} must be a whole number");
    }

    public static List<string>? StringList(this JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            throw DomainException.Validation(name, $"{name} must be an array of strings");
        }
        return [.. value.EnumerateArray().Select(v => v.GetString()!)];
    }

    public static List<int>? IntList(this JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out _)))
        {
            throw DomainException.Validation(name, $"{name} must be an array of whole numbers");
        }
        return [.. value.EnumerateArray().Select(v => v.GetInt32())];
    }

    public static Dictionary<string, string>? StringMap(this JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw DomainException.Validation(name, $"{name} must be an object of string values");
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw DomainException.Validation(name, $"{name}.{property.Name} must be a string");
            }
            map[property.Name] = property.Value.GetString()!;
        }
        return map;
    }

    public static WebhookFilters? Filters(this JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw DomainException.Validation(name, $"{name} must be an object with address, identifier and topic");
        }
        return new WebhookFilters(Filter(value, "address"), Filter(value, "identifier"), Filter(value, "topic"));
    }

    private static string? Filter(JsonElement filters, string name)
    {
        var text = filters.String(name);
        return text switch
        {
            null or "" => null,
            { Length: > 256 } => throw DomainException.Validation($"filters.{name}", $"filters.{name} must be at most 256 characters"),
            _ => text,
        };
    }

    /// <summary>The webhook fields of a create or update body.</summary>
    public static WebhookSettings WebhookSettings(this JsonElement body) => new(
        Url: body.String("url"),
        Events: body.StringList("events"),
        Description: body.String("description"),
        Profile: body.String("profile"),
        Secret: body.String("secret"),
        Active: body.Bool("active") ?? body.Bool("isActive"),
        Ordering: body.String("ordering")?.ToLowerInvariant(),
        RetrySchedule: body.IntList("retrySchedule"),
        MaxAttemptAgeSeconds: body.Int("maxAttemptAgeSeconds"),
        RateLimitPerMinute: body.Int("rateLimitPerMinute"),
        Filters: body.Filters("filters"),
        Metadata: body.StringMap("metadata"));
}
