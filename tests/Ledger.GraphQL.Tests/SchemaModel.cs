using System.Text.Json;
using GraphQLParser;
using GraphQLParser.AST;

namespace Ledger.GraphQL.Tests;

/// <summary>
/// A schema as names and type references, from SDL (the contract) or from introspection (the served schema), so the
/// two can be compared: what the contract has, the served schema must have, with the same types.
/// </summary>
public sealed class SchemaModel
{
    public sealed record Argument(string Type, bool HasDefault);

    public sealed record Field(string Type, Dictionary<string, Argument> Arguments);

    public sealed record TypeInfo(string Kind, Dictionary<string, Field> Fields, Dictionary<string, Argument> InputFields, HashSet<string> EnumValues);

    public Dictionary<string, TypeInfo> Types { get; } = new(StringComparer.Ordinal);

    public static SchemaModel FromSdl(string sdl)
    {
        var model = new SchemaModel();
        foreach (var definition in Parser.Parse(sdl).Definitions)
        {
            switch (definition)
            {
                case GraphQLObjectTypeDefinition type:
                    model.Types[type.Name.StringValue] = new TypeInfo(
                        "OBJECT",
                        (type.Fields?.Items ?? []).ToDictionary(
                            f => f.Name.StringValue,
                            f => new Field(Print(f.Type), (f.Arguments?.Items ?? []).ToDictionary(a => a.Name.StringValue, a => new Argument(Print(a.Type), a.DefaultValue is not null)))),
                        [], []);
                    break;
                case GraphQLInputObjectTypeDefinition input:
                    model.Types[input.Name.StringValue] = new TypeInfo(
                        "INPUT_OBJECT", [], (input.Fields?.Items ?? []).ToDictionary(f => f.Name.StringValue, f => new Argument(Print(f.Type), f.DefaultValue is not null)), []);
                    break;
                case GraphQLEnumTypeDefinition enumeration:
                    model.Types[enumeration.Name.StringValue] = new TypeInfo(
                        "ENUM", [], [], (enumeration.Values?.Items ?? []).Select(v => v.Name.StringValue).ToHashSet(StringComparer.Ordinal));
                    break;
                case GraphQLScalarTypeDefinition scalar:
                    model.Types[scalar.Name.StringValue] = new TypeInfo("SCALAR", [], [], []);
                    break;
                case GraphQLSchemaDefinition:
                    break;
                default:
                    throw new NotSupportedException($"the contract uses a {definition.Kind} definition this comparison does not know");
            }
        }
        return model;
    }

    private static readonly HashSet<string> BuiltInScalars = new(StringComparer.Ordinal) { "String", "Int", "Float", "Boolean", "ID" };

    /// <summary>The served schema's own types: introspection types and the built-in scalars, which SDL leaves out, are skipped.</summary>
    public static SchemaModel FromIntrospection(JsonElement schema)
    {
        var model = new SchemaModel();
        foreach (var type in schema.GetProperty("types").EnumerateArray())
        {
            var name = type.GetProperty("name").GetString()!;
            if (name.StartsWith("__", StringComparison.Ordinal) || BuiltInScalars.Contains(name))
            {
                continue;
            }
            model.Types[name] = new TypeInfo(
                type.GetProperty("kind").GetString()!,
                Items(type, "fields").ToDictionary(f => f.GetProperty("name").GetString()!, f => new Field(Print(f.GetProperty("type")), Arguments(f, "args"))),
                Arguments(type, "inputFields"),
                Items(type, "enumValues").Select(v => v.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal));
        }
        return model;
    }

    /// <summary>The introspection query <see cref="FromIntrospection"/> reads.</summary>
    public const string IntrospectionQuery = """
        query Contract {
          __schema {
            queryType { name } mutationType { name } subscriptionType { name }
            types {
              kind name
              fields(includeDeprecated: true) { name type { ...Ref } args { name defaultValue type { ...Ref } } }
              inputFields { name defaultValue type { ...Ref } }
              enumValues(includeDeprecated: true) { name }
            }
          }
        }
        fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
        """;

    /// <summary>Everything of <paramref name="contract"/> that <paramref name="served"/> lacks or changed; additions are fine unless they make an old call invalid.</summary>
    public static IReadOnlyList<string> Breaks(SchemaModel contract, SchemaModel served)
    {
        var breaks = new List<string>();
        foreach (var (name, expected) in contract.Types)
        {
            if (!served.Types.TryGetValue(name, out var actual))
            {
                breaks.Add($"type {name} is missing");
                continue;
            }
            if (actual.Kind != expected.Kind)
            {
                breaks.Add($"type {name} is a {actual.Kind}, the contract has a {expected.Kind}");
                continue;
            }
            foreach (var (fieldName, field) in expected.Fields)
            {
                if (!actual.Fields.TryGetValue(fieldName, out var servedField))
                {
                    breaks.Add($"field {name}.{fieldName} is missing");
                    continue;
                }
                if (servedField.Type != field.Type)
                {
                    breaks.Add($"field {name}.{fieldName} is {servedField.Type}, the contract has {field.Type}");
                }
                CompareInputs($"{name}.{fieldName}", "argument", field.Arguments, servedField.Arguments, breaks);
            }
            CompareInputs(name, "input field", expected.InputFields, actual.InputFields, breaks);
            foreach (var value in expected.EnumValues.Where(v => !actual.EnumValues.Contains(v)))
            {
                breaks.Add($"enum value {name}.{value} is missing");
            }
        }
        return breaks;
    }

    private static void CompareInputs(string owner, string what, Dictionary<string, Argument> expected, Dictionary<string, Argument> served, List<string> breaks)
    {
        foreach (var (name, argument) in expected)
        {
            if (!served.TryGetValue(name, out var actual))
            {
                breaks.Add($"{what} {owner}({name}) is missing");
            }
            else if (actual.Type != argument.Type)
            {
                breaks.Add($"{what} {owner}({name}) is {actual.Type}, the contract has {argument.Type}");
            }
            else if (argument.HasDefault && !actual.HasDefault)
            {
                breaks.Add($"{what} {owner}({name}) lost its default value");
            }
        }
        foreach (var (name, argument) in served.Where(s => !expected.ContainsKey(s.Key)))
        {
            if (argument.Type.EndsWith('!') && !argument.HasDefault)
            {
                breaks.Add($"{what} {owner}({name}) is new and required, so calls written to the contract fail");
            }
        }
    }

    private static IEnumerable<JsonElement> Items(JsonElement type, string name) =>
        type.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : [];

    private static Dictionary<string, Argument> Arguments(JsonElement owner, string name) =>
        Items(owner, name).ToDictionary(
            a => a.GetProperty("name").GetString()!,
            a => new Argument(Print(a.GetProperty("type")), a.GetProperty("defaultValue").ValueKind == JsonValueKind.String));

    private static string Print(GraphQLType type) => type switch
    {
        GraphQLNonNullType nonNull => Print(nonNull.Type) + "!",
        GraphQLListType list => "[" + Print(list.Type) + "]",
        GraphQLNamedType named => named.Name.StringValue,
        _ => throw new NotSupportedException(type.Kind.ToString()),
    };

    private static string Print(JsonElement type) => type.GetProperty("kind").GetString() switch
    {
        "NON_NULL" => Print(type.GetProperty("ofType")) + "!",
        "LIST" => "[" + Print(type.GetProperty("ofType")) + "]",
        _ => type.GetProperty("name").GetString()!,
    };
}
