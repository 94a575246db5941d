using System.Text.Json;

namespace Ledger.GraphQL.Tests;

[Collection(SharedServerCollection.Name)]
public sealed class SchemaContractTests(SharedServer shared)
{
    [Fact]
    public async Task Served_schema_keeps_every_type_field_argument_and_enum_value_of_the_design_contract_when_it_is_beside_the_repository()
    {
        if (Repository.ContractSchemaPath() is not { } path)
        {
            return;
        }
        var contract = SchemaModel.FromSdl(await File.ReadAllTextAsync(path));
        using var client = shared.Server.Client();
        var data = await client.QueryAsync(SchemaModel.IntrospectionQuery);
        var schema = data.GetProperty("__schema");

        var breaks = SchemaModel.Breaks(contract, SchemaModel.FromIntrospection(schema));

        Assert.True(breaks.Count == 0, "the served schema breaks the contract:\n" + string.Join("\n", breaks));
        Assert.Equal("Query", schema.GetProperty("queryType").Str("name"));
        Assert.Equal("Mutation", schema.GetProperty("mutationType").Str("name"));
        Assert.Equal("Subscription", schema.GetProperty("subscriptionType").Str("name"));
    }

    [Fact]
    public async Task The_contract_check_notices_a_dropped_field_a_renamed_argument_and_a_changed_type()
    {
        var contract = SchemaModel.FromSdl(await File.ReadAllTextAsync(Repository.SchemaPath));
        using var client = shared.Server.Client();
        var served = SchemaModel.FromIntrospection((await client.QueryAsync(SchemaModel.IntrospectionQuery)).GetProperty("__schema"));

        served.Types["Delivery"].Fields.Remove("history");
        var webhooks = served.Types["Query"].Fields["webhooks"];
        webhooks.Arguments["limit"] = webhooks.Arguments["first"];
        webhooks.Arguments.Remove("first");
        served.Types["Query"].Fields["stream"] = served.Types["Query"].Fields["stream"] with { Type = "[LedgerEvent]" };
        served.Types["DeliveryStatus"].EnumValues.Remove("RETRYING");

        var breaks = SchemaModel.Breaks(contract, served);

        Assert.Contains("field Delivery.history is missing", breaks);
        Assert.Contains("argument Query.webhooks(first) is missing", breaks);
        Assert.Contains("field Query.stream is [LedgerEvent], the contract has [LedgerEvent!]!", breaks);
        Assert.Contains("enum value DeliveryStatus.RETRYING is missing", breaks);
    }

    [Fact]
    public async Task Introspection_is_allowed_with_graphiqls_own_query_depth()
    {
        // graphql-js's getIntrospectionQuery nests TypeRef seven ofType levels deep; GraphiQL sends it as it is.
        const string typeRef = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }";
        var query = "query IntrospectionQuery { __schema { queryType { name } types { ...FullType } directives { name args { ...InputValue } } } } "
            + "fragment FullType on __Type { kind name fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } } "
            + "inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name } possibleTypes { ...TypeRef } } "
            + "fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue } "
            + "fragment TypeRef on __Type { " + typeRef + " }";
        using var client = shared.Server.Client();

        var data = await client.QueryAsync(query);

        Assert.Contains(data.GetProperty("__schema").GetProperty("types").EnumerateArray(), t => t.Str("name") == "Delivery");
        Assert.Equal(JsonValueKind.Array, data.GetProperty("__schema").GetProperty("directives").ValueKind);
    }
}
