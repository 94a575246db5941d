namespace Ledger.GraphQL.Schema;

/// <summary>The schema of <c>src/Ledger.GraphQL/schema.graphql</c> (types and fields may be added, never removed or renamed).</summary>
public sealed class LedgerSchema : global::GraphQL.Types.Schema
{
    public LedgerSchema()
    {
        Query = new QueryType();
        Mutation = new MutationType();
        Subscription = new SubscriptionType();
        Description = "Ledger: event-sourced webhook delivery. Ids are the REST API's (wh_…, evt_…, dlv_…).";
    }
}
