using Ledger.Application;
using Ledger.Application.Access;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.GraphQL.Execution;
using Ledger.GraphQL.Subscriptions;
using Ledger.GraphQL.Transport;
using Ledger.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ledger.GraphQL;

/// <summary>Which tenant an API key belongs to, and the key's id (null for a missing or unknown key): the host's key store.</summary>
public delegate ApiKeyIdentity? ApiKeyAuthenticator(string? apiKey);

public static class GraphQLEndpoints
{
    /// <summary>
    /// The schema, its executor, the subscription hub (register it with the projection runner as an observer; it is
    /// also a hosted service, the pump) and the transports. <paramref name="authenticator"/> is the host's key store.
    /// </summary>
    public static IServiceCollection AddLedgerGraphQL(this IServiceCollection services, Func<IServiceProvider, ApiKeyAuthenticator> authenticator)
    {
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IConfiguration>().GetSection(GraphQLOptions.Section).Get<GraphQLOptions>() ?? new GraphQLOptions();
            options.Validate();
            return options;
        });
        services.AddSingleton<SubscriptionHub>();
        services.AddHostedService(sp => sp.GetRequiredService<SubscriptionHub>());
        services.AddSingleton(sp => new LedgerGraphQLServices(
            sp.GetRequiredService<ReadModelQueries>(),
            sp.GetRequiredService<LedgerService>(),
            sp.GetRequiredService<ProjectionRunner>(),
            sp.GetRequiredService<IEventStore>(),
            sp.GetRequiredService<WebhookRegistry>(),
            sp.GetRequiredService<SubscriptionHub>(),
            sp.GetRequiredService<GraphQLOptions>(),
            sp.GetRequiredService<LedgerAccess>()));
        services.AddSingleton<LedgerExecutor>();
        services.AddSingleton<ApiKeyAuthenticator>(authenticator);
        services.AddSingleton<GraphQLCallers>();
        services.AddSingleton<GraphiQLAssets>();
        services.AddSingleton<GraphQLHttpTransport>();
        services.AddSingleton<KeyConnections>();
        services.AddSingleton<GraphQLWebSocketTransport>();
        return services;
    }

    /// <summary>
    /// <c>/graphql</c>: GraphQL over HTTP (POST, and GET for queries), graphql-transport-ws WebSockets, and GraphiQL for a
    /// browser; GraphiQL's files under <c>/graphiql/</c>. Needs <c>UseWebSockets()</c> earlier in the pipeline.
    /// </summary>
    public static IEndpointRouteBuilder MapLedgerGraphQL(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var http = services.GetRequiredService<GraphQLHttpTransport>();
        var sockets = services.GetRequiredService<GraphQLWebSocketTransport>();
        var graphiql = services.GetRequiredService<GraphiQLAssets>();
        endpoints.Map("/graphql", context => context.WebSockets.IsWebSocketRequest ? sockets.RunAsync(context) : http.HandleAsync(context));
        endpoints.MapGet(GraphiQLAssets.PathPrefix + "/{**path}", (Microsoft.AspNetCore.Http.HttpContext context, string path) => graphiql.WriteAssetAsync(context, path));
        return endpoints;
    }
}
