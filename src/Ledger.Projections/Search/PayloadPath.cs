using System.Globalization;
using System.Text.Json;
using Ledger.Domain;

namespace Ledger.Projections.Search;

/// <summary>
/// A path into an event's <c>data</c>: property names separated by dots, array indexes in brackets
/// (<c>user.id</c>, <c>items[0].sku</c>, <c>$.user.id</c>). At most 16 steps and 256 characters.
/// </summary>
public sealed class PayloadPath
{
    public const int MaxLength = 256;
    public const int MaxSteps = 16;

    private readonly IReadOnlyList<object> _steps;

    private PayloadPath(IReadOnlyList<object> steps) => _steps = steps;

    /// <exception cref="DomainException">Not a path of this form (a validation error on <paramref name="field"/>).</exception>
    public static PayloadPath Parse(string text, string field)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rest = text.StartsWith("$.", StringComparison.Ordinal) ? text[2..] : text;
        if (text.Length > MaxLength || rest.Length == 0)
        {
            throw Invalid(field);
        }
        var steps = new List<object>();
        foreach (var part in rest.Split('.'))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? part : part[..bracket];
            if (name.Length == 0 && (bracket != 0 || steps.Count == 0))
            {
                throw Invalid(field);
            }
            if (name.Length > 0)
            {
                steps.Add(name);
            }
            var indexes = bracket < 0 ? "" : part[bracket..];
            while (indexes.Length > 0)
            {
                var close = indexes.IndexOf(']', StringComparison.Ordinal);
                if (indexes[0] != '[' || close < 2 || !int.TryParse(indexes.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw Invalid(field);
                }
                steps.Add(index);
                indexes = indexes[(close + 1)..];
            }
        }
        return steps.Count is 0 or > MaxSteps ? throw Invalid(field) : new PayloadPath(steps);
    }

    /// <summary>Whether the value at this path in <paramref name="data"/> equals <paramref name="expected"/> (JSON equality).</summary>
    public bool Matches(JsonElement data, JsonElement expected)
    {
        var current = data;
        foreach (var step in _steps)
        {
            switch (step)
            {
                case string name when current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out var next):
                    current = next;
                    break;
                case int index when current.ValueKind == JsonValueKind.Array && index < current.GetArrayLength():
                    current = current[index];
                    break;
                default:
                    return false;
            }
        }
        return JsonElement.DeepEquals(current, expected);
    }

    private static DomainException Invalid(string field) => DomainException.Validation(
        field, $"a payload path is up to {MaxSteps} dot-separated property names with optional [index] steps, at most {MaxLength} characters (e.g. user.id or items[0].sku)");
}
