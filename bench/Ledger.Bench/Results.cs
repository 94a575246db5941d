using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.Bench;

/// <summary>
/// One measured figure. <see cref="Ratio"/> is the value divided by the value of <see cref="RatioTo"/> measured in
/// the same run (the baseline sender, unless the scenario names another reference).
/// </summary>
public sealed record Figure(
    string Scenario,
    string System,
    string Metric,
    double Value,
    string Unit,
    double? Ratio,
    string? RatioTo,
    string? Target = null,
    bool? Met = null,
    IReadOnlyDictionary<string, double>? Details = null,
    string? Note = null)
{
    [JsonIgnore]
    public string Key => $"{Scenario}.{System}.{Metric}";
}

public sealed class BenchResults
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly List<Figure> _figures = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<Figure> Figures => _figures;

    public Figure? Find(string scenario, string system, string metric) =>
        _figures.LastOrDefault(f => f.Scenario == scenario && f.System == system && f.Metric == metric);

    public void Add(Figure figure)
    {
        _figures.Add(figure);
        Console.WriteLine(Line(figure));
    }

    public void Note(string scenario, string text)
    {
        _notes.Add($"({scenario}) {text}");
        Console.WriteLine($"({scenario}) note: {text}");
    }

    public static string Line(Figure f)
    {
        var value = double.IsPositiveInfinity(f.Value) ? "never" : f.Value.ToString(f.Value >= 100 ? "N0" : "N2", CultureInfo.InvariantCulture);
        var ratio = f.Ratio is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:0.00}× {f.RatioTo}") : "ratio n/a";
        var target = f.Target is null ? "" : $"  [target {f.Target}: {(f.Met switch { true => "MET", false => "MISSED", null => "n/a" })}]";
        return $"({f.Scenario}) {f.System,-16} {f.Metric,-22} {value,12} {f.Unit,-14} {ratio}{target}";
    }

    public void Write(string path, IReadOnlyDictionary<string, object> run)
    {
        var figures = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var f in _figures)
        {
            figures[f.Key] = new
            {
                value = Round(f.Value),
                unit = f.Unit,
                ratio = f.Ratio is { } r ? Round(r) : (double?)null,
                ratioTo = f.RatioTo,
                target = f.Target,
                met = f.Met,
                details = f.Details?.ToDictionary(d => d.Key, d => Round(d.Value)),
                note = f.Note,
            };
        }
        var document = new Dictionary<string, object> { ["run"] = run, ["figures"] = figures, ["notes"] = _notes };
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json) + "\n");
    }

    /// <summary>The figures of a results file written by <see cref="Write"/> (to draw its chart again).</summary>
    public static BenchResults Read(string path)
    {
        var results = new BenchResults();
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var property in document.RootElement.GetProperty("figures").EnumerateObject())
        {
            var parts = property.Name.Split('.', 3);
            var f = property.Value;
            static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble();
            double? Optional(string name) => f.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? Number(e) : null;
            string? Text(string name) => f.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var details = f.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object
                ? d.EnumerateObject().ToDictionary(x => x.Name, x => Number(x.Value))
                : null;
            bool? met = f.TryGetProperty("met", out var m) && m.ValueKind is JsonValueKind.True or JsonValueKind.False ? m.GetBoolean() : null;
            results._figures.Add(new Figure(parts[0], parts[1], parts[2], Number(f.GetProperty("value")), Text("unit") ?? "", Optional("ratio"), Text("ratioTo"), Text("target"), met, details, Text("note")));
        }
        return results;
    }

    private static double Round(double value) =>
        double.IsFinite(value) ? Math.Round(value, value >= 100 ? 1 : 4) : value;
}

public static class Stats
{
    /// <summary>The q-quantile (0..1) by nearest rank of an unsorted sample.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
