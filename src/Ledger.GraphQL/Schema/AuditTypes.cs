using GraphQL.Types;
using Ledger.Projections.Audit;

namespace Ledger.GraphQL.Schema;

/// <summary>One command of the audit trail (docs/audit.md): when, who, from where, what, on what.</summary>
public sealed class AuditEntryType : ObjectGraphType<AuditEntryView>
{
    public AuditEntryType()
    {
        Name = "AuditEntry";
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("occurredAt").Resolve(context => context.Source.OccurredAt);
        Field<StringGraphType, string>("actor")
            .Description("The API key id (ak_…) or portal token id (pt_…) that made the command; null for commands recorded before actors were.")
            .Resolve(context => context.Source.Actor);
        Field<StringGraphType, string>("ip").Description("The client IP address the server saw.").Resolve(context => context.Source.Ip);
        Field<NonNullGraphType<StringGraphType>, string>("action").Description("webhook.created, webhook.disabled, api-key.revoked, export.requested, …").Resolve(context => context.Source.Action);
        Field<NonNullGraphType<StringGraphType>, string>("subject").Description("What it acted on: a webhook, delivery, replay job, portal token or API key id, or an export's kind and query.").Resolve(context => context.Source.Subject);
    }
}

public sealed class AuditEdgeType : ObjectGraphType<Edge<AuditEntryView>>
{
    public AuditEdgeType()
    {
        Name = "AuditEdge";
        Field<NonNullGraphType<StringGraphType>, string>("cursor").Resolve(context => context.Source.Cursor);
        Field<NonNullGraphType<AuditEntryType>, AuditEntryView>("node").Resolve(context => context.Source.Node);
    }
}

public sealed class AuditConnectionType : ObjectGraphType<Connection<AuditEntryView>>
{
    public AuditConnectionType()
    {
        Name = "AuditConnection";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AuditEdgeType>>>, IReadOnlyList<Edge<AuditEntryView>>>("edges").Resolve(context => context.Source.Edges);
        Field<NonNullGraphType<PageInfoType>, PageInfo>("pageInfo").Resolve(context => context.Source.PageInfo);
    }
}
