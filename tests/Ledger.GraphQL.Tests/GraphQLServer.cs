using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests;

/// <summary>The shared <see cref="LedgerServer"/> with API keys for the tenants these tests use.</summary>
public static class GraphQLServer
{
    public const string ApiKey = LedgerServer.ApiKey;
    public const string OtherTenantKey = LedgerServer.OtherTenantKey;
    public const string LoadTenantKey = "gql_key_load_0123456789";
    public const string SlowTenantKey = "gql_key_slow_0123456789";

    public static Task<LedgerServer> StartAsync(IDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["LEDGER_BOOTSTRAP_API_KEY"] = $"default:{ApiKey},other:{OtherTenantKey},load:{LoadTenantKey},slow:{SlowTenantKey}",
        };
        return LedgerServer.StartAsync(all);
    }

    /// <summary>Where <c>graphql-transport-ws</c> clients connect.</summary>
    public static Uri WebSocketAddress(this LedgerServer server) => new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/graphql" }.Uri;
}

/// <summary>One server for the tests that need no settings of their own (a 2 s connection_init timeout).</summary>
public sealed class SharedServer : IAsyncLifetime
{
    public LedgerServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await GraphQLServer.StartAsync(new Dictionary<string, string> { ["Ledger__GraphQL__ConnectionInitTimeoutSeconds"] = "2" });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedServerCollection : ICollectionFixture<SharedServer>
{
    public const string Name = "graphql server";
}

/// <summary>Where things are: the repository, its schema file, and the design folder's contract when it is beside it.</summary>
public static class Repository
{
    public static string Root => NodeScripts.RepoRoot;

    public static string SchemaPath => Path.Combine(Root, Ledger.GraphQL.Schema.SchemaDocument.RepositoryPath);

    /// <summary>
    /// <c>shared/schema.graphql</c> of the design folder, looking beside the repository and then beside each folder above
    /// it; null when there is none (a user's clone has no design folder).
    /// </summary>
    public static string? ContractSchemaPath()
    {
        for (var directory = new DirectoryInfo(Root); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.Parent?.FullName ?? directory.FullName, "shared", "schema.graphql");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
