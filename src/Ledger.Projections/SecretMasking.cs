using System.Text.Json;

namespace Ledger.Projections;

/// <summary>
/// Signing secrets are facts of the ledger but are shown only by create and rotate (docs/rest.md): wherever a ledger
/// event's data is shown, the value of its <c>secret</c> property is masked.
/// </summary>
public static class SecretMasking
{
    public const string Mask = "••••••";

    public static JsonElement Masked(JsonElement data) => Masked(data, hideActors: false);

    /// <summary>
    /// As <see cref="Masked(JsonElement)"/>; with <paramref name="hideActors"/> (portal tokens) the audit trail's
    /// <c>actor</c> and <c>ip</c> properties are left out as well.
    /// </summary>
    public static JsonElement Masked(JsonElement data, bool hideActors)
    {
        if (data.ValueKind != JsonValueKind.Object
            || (!data.TryGetProperty("secret", out _) && !(hideActors && (data.TryGetProperty("actor", out _) || data.TryGetProperty("ip", out _)))))
        {
            return data.Clone();
        }
        var masked = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in data.EnumerateObject())
        {
            if (hideActors && property.Name is "actor" or "ip")
            {
                continue;
            }
            masked[property.Name] = property.Name == "secret" ? JsonSerializer.SerializeToElement(Mask) : property.Value.Clone();
        }
        return JsonSerializer.SerializeToElement(masked);
    }
}
