using System.Text;
using System.Text.Json;

namespace Ledger.Domain;

/// <summary>
/// Seed 003's filters: exact match against <c>data.address</c>, <c>data.identifier</c> and the base64-decoded
/// first element of <c>data.topics</c>. Every filter that is set must match.
/// </summary>
public static class FilterMatcher
{
    public static bool Matches(WebhookFilters? filters, JsonElement data)
    {
        if (filters is null || filters.IsEmpty)
        {
            return true;
        }
        if (data.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        return (filters.Address is null || StringProperty(data, "address") == filters.Address)
            && (filters.Identifier is null || StringProperty(data, "identifier") == filters.Identifier)
            && (filters.Topic is null || FirstTopic(data) == filters.Topic);
    }

    private static string? StringProperty(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? FirstTopic(JsonElement data)
    {
        if (!data.TryGetProperty("topics", out var topics) || topics.ValueKind != JsonValueKind.Array || topics.GetArrayLength() == 0)
        {
            return null;
        }
        var first = topics[0];
        if (first.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var encoded = first.GetString()!;
        var buffer = new byte[(encoded.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(encoded, buffer, out var written) ? Encoding.UTF8.GetString(buffer, 0, written) : null;
    }
}
