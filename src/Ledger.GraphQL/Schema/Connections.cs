using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using Ledger.GraphQL.Execution;
using Ledger.Projections;

namespace Ledger.GraphQL.Schema;

/// <summary>A Relay connection page. Cursors are the read models' keyset cursors, opaque to clients.</summary>
public sealed record Connection<T>(IReadOnlyList<Edge<T>> Edges, PageInfo PageInfo);

public sealed record Edge<T>(string Cursor, T Node);

public sealed record PageInfo(bool HasNextPage, string? EndCursor);

internal static class Paging
{
    public const int DefaultFirst = 50;

    /// <summary>Adds <c>first</c> (refused above the limit before anything runs) and <c>after</c>.</summary>
    public static FieldBuilder<TSource, TReturn> Paged<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field, bool isStream = false) =>
        field
            .Argument<IntGraphType>("first", argument => argument.DefaultValue = isStream ? 100 : DefaultFirst)
            .ValidateArguments(context =>
            {
                var options = (context.ValidationContext.UserContext as LedgerRequestContext)?.Services.Options ?? new GraphQLOptions();
                var max = isStream ? options.MaxStreamPage : options.MaxPageSize;
                var first = context.GetArgument<int?>("first");
                if (first is < 0 || first > max)
                {
                    throw GraphQLErrors.Validation($"first must be between 0 and {max}; {first} is too many", "first");
                }
                return default;
            });

    public static FieldBuilder<TSource, TReturn> After<TSource, TReturn>(this FieldBuilder<TSource, TReturn> field) =>
        field.Argument<StringGraphType>("after");

    /// <summary>Reads one page of <paramref name="first"/> (0 asks only whether there is anything).</summary>
    public static async Task<Connection<T>> PageAsync<T>(int first, Func<int, Task<Page<T>>> read, Func<T, string> cursorOf)
    {
        var page = await read(Math.Max(first, 1));
        if (first == 0)
        {
            return new Connection<T>([], new PageInfo(page.Data.Count > 0, null));
        }
        var edges = page.Data.Select(node => new Edge<T>(cursorOf(node), node)).ToList();
        return new Connection<T>(edges, new PageInfo(page.NextCursor is not null, edges.Count == 0 ? null : edges[^1].Cursor));
    }

    public static string CursorOf(WebhookView webhook) => ReadModelQueries.EncodeCursor(Micros.From(webhook.CreatedAt), webhook.Id);

    public static string CursorOf(DeliveryView delivery) => ReadModelQueries.EncodeCursor(Micros.From(delivery.CreatedAt), delivery.Id);
}

public sealed class PageInfoType : ObjectGraphType<PageInfo>
{
    public PageInfoType()
    {
        Name = "PageInfo";
        Field<NonNullGraphType<BooleanGraphType>, bool>("hasNextPage").Resolve(context => context.Source.HasNextPage);
        Field<StringGraphType, string>("endCursor").Resolve(context => context.Source.EndCursor);
    }
}

public sealed class WebhookEdgeType : ObjectGraphType<Edge<WebhookView>>
{
    public WebhookEdgeType()
    {
        Name = "WebhookEdge";
        Field<NonNullGraphType<StringGraphType>, string>("cursor").Resolve(context => context.Source.Cursor);
        Field<NonNullGraphType<WebhookType>, WebhookView>("node").Resolve(context => context.Source.Node);
    }
}

public sealed class WebhookConnectionType : ObjectGraphType<Connection<WebhookView>>
{
    public WebhookConnectionType()
    {
        Name = "WebhookConnection";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<WebhookEdgeType>>>, IReadOnlyList<Edge<WebhookView>>>("edges").Resolve(context => context.Source.Edges);
        Field<NonNullGraphType<PageInfoType>, PageInfo>("pageInfo").Resolve(context => context.Source.PageInfo);
        Field<NonNullGraphType<IntGraphType>, int>("totalCount")
            .Description("Webhooks of the tenant the caller sees (deleted ones not counted).")
            .ResolveAsync(async context => await context.Ledger().Data.CountWebhooksAsync(context.CancellationToken));
    }
}

public sealed class DeliveryEdgeType : ObjectGraphType<Edge<DeliveryView>>
{
    public DeliveryEdgeType()
    {
        Name = "DeliveryEdge";
        Field<NonNullGraphType<StringGraphType>, string>("cursor").Resolve(context => context.Source.Cursor);
        Field<NonNullGraphType<DeliveryType>, DeliveryView>("node").Resolve(context => context.Source.Node);
    }
}

public sealed class DeliveryConnectionType : ObjectGraphType<Connection<DeliveryView>>
{
    public DeliveryConnectionType()
    {
        Name = "DeliveryConnection";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<DeliveryEdgeType>>>, IReadOnlyList<Edge<DeliveryView>>>("edges").Resolve(context => context.Source.Edges);
        Field<NonNullGraphType<PageInfoType>, PageInfo>("pageInfo").Resolve(context => context.Source.PageInfo);
    }
}
