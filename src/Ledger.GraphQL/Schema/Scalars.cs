using System.Globalization;
using System.Numerics;
using System.Text.Json;
using GraphQL.Types;
using GraphQLParser.AST;

namespace Ledger.GraphQL.Schema;

/// <summary><c>DateTime</c>: ISO-8601 in UTC with a Z, milliseconds as the REST API writes them.</summary>
public sealed class DateTimeScalar : ScalarGraphType
{
    public DateTimeScalar()
    {
        Name = "DateTime";
        Description = "ISO-8601, UTC";
    }

    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        DateTimeOffset at => Format(at),
        DateTime at => Format(new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc))),
        string text => text,
        _ => ThrowSerializationError(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        DateTimeOffset at => at,
        DateTime at => new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
        string text => Parse(text),
        _ => ThrowValueConversionError(value),
    };

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue text => Parse(text.Value.ToString()),
        _ => ThrowLiteralConversionError(value),
    };

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new FormatException($"'{text}' is not an ISO-8601 date and time");
}

/// <summary><c>JSON</c>: any JSON value, held as a <see cref="JsonElement"/> on both sides.</summary>
public sealed class JsonScalar : ScalarGraphType
{
    public JsonScalar()
    {
        Name = "JSON";
        Description = "any JSON value";
    }

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(Normalize(value)),
    };

    public override object? ParseLiteral(GraphQLValue value) => value is GraphQLNullValue ? null : JsonSerializer.SerializeToElement(ToObject(value));

    /// <summary>Variables arrive as dictionaries, lists and numbers; integers too large for a long arrive as BigInteger.</summary>
    private static object? Normalize(object? value) => value switch
    {
        BigInteger big => big >= (BigInteger)decimal.MinValue && big <= (BigInteger)decimal.MaxValue ? (decimal)big : (double)big,
        IDictionary<string, object?> map => map.ToDictionary(p => p.Key, p => Normalize(p.Value), StringComparer.Ordinal),
        IEnumerable<object?> list => list.Select(Normalize).ToList(),
        _ => value,
    };

    private static object Number(ReadOnlySpan<char> text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) ? whole
        : decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact) ? exact
        : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    public override bool CanParseLiteral(GraphQLValue value) => value is not GraphQLVariable;

    private static object? ToObject(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLBooleanValue b => b.BoolValue,
        GraphQLStringValue s => s.Value.ToString(),
        GraphQLEnumValue e => e.Name.StringValue,
        GraphQLIntValue i => Number(i.Value.Span),
        GraphQLFloatValue f => Number(f.Value.Span),
        GraphQLListValue list => list.Values?.Select(ToObject).ToList() ?? [],
        GraphQLObjectValue obj => obj.Fields?.ToDictionary(f => f.Name.StringValue, f => ToObject(f.Value), StringComparer.Ordinal)
            ?? new Dictionary<string, object?>(StringComparer.Ordinal),
        _ => throw new FormatException("a JSON literal may not contain variables"),
    };
}
