using System.Text.Json;
using Ledger.Domain;

namespace Ledger.Server.Api;

/// <summary>
/// JSON allows escapes that are not text: a lone UTF-16 surrogate (<c>"\ud800"</c>) parses but cannot become a
/// string, be stored or be signed. Such a body is refused whole, naming the top-level field it is in.
/// </summary>
public static class JsonText
{
    public static void RequireWellFormedStrings(JsonElement body)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (!IsWellFormed(property.Value) || !NameIsWellFormed(property))
            {
                var field = NameIsWellFormed(property) ? property.Name : "body";
                throw DomainException.Validation(field, $"{field} contains an escaped lone surrogate (\\ud800–\\udfff not in a pair), which is not text");
            }
        }
    }

    public static bool IsWellFormed(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return TryGetString(element);
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (!IsWellFormed(item))
                    {
                        return false;
                    }
                }
                return true;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!NameIsWellFormed(property) || !IsWellFormed(property.Value))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    private static bool TryGetString(JsonElement element)
    {
        try
        {
            _ = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool NameIsWellFormed(JsonProperty property)
    {
        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
