using System.Text.Json;

namespace Ledger.Projections;

/// <summary>
/// Signing secrets are facts of the ledger but are shown only by create and rotate (CONTRACT §3): wherever a ledger
/// event's data is shown, the value of its <c>secret</c> property is masked.
/// </summary>
public static class SecretMasking
{
    public const string Mask = "••••••";

    public static JsonElement Masked(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("secret", out _))
        {
            return data.Clone();
        }
        var masked = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in data.EnumerateObject())
        {
            masked[property.Name] = property.Name == "secret" ? JsonSerializer.SerializeToElement(Mask) : property.Value.Clone();
        }
        return JsonSerializer.SerializeToElement(masked);
    }
}
