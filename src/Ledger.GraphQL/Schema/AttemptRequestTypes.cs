using System.Text;
using GraphQL;
using GraphQL.Types;
using Ledger.Application.Inspection;
using Ledger.Domain;
using Ledger.GraphQL.Execution;

namespace Ledger.GraphQL.Schema;

public sealed class HttpHeaderType : ObjectGraphType<HttpHeader>
{
    public HttpHeaderType()
    {
        Name = "HttpHeader";
        Field<NonNullGraphType<StringGraphType>, string>("name").Resolve(context => context.Source.Name);
        Field<NonNullGraphType<StringGraphType>, string>("value").Resolve(context => context.Source.Value);
    }
}

public sealed class AttemptRequestType : ObjectGraphType<RenderedAttempt>
{
    public AttemptRequestType()
    {
        Name = "AttemptRequest";
        Description =
            "An attempt's request as it went out, rendered again from the ledger with the dispatcher's wire-profile code "
            + "(the event, the profile, the secrets that signed it and its signing time): every header, signatures included, "
            + "and the body bytes. Secrets never appear.";
        Field<NonNullGraphType<StringGraphType>, string>("method").Resolve(context => context.Source.Method);
        Field<NonNullGraphType<StringGraphType>, string>("url").Resolve(context => context.Source.Url);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<HttpHeaderType>>>, IReadOnlyList<HttpHeader>>("headers")
            .Description("In sending order: Host, User-Agent, the profile's headers, Content-Type, Content-Length.")
            .Resolve(context => context.Source.Headers);
        Field<NonNullGraphType<StringGraphType>, string>("body").Description("The body as UTF-8 text.").Resolve(context => Encoding.UTF8.GetString(context.Source.Body));
        Field<NonNullGraphType<StringGraphType>, string>("bodyBase64").Description("The exact body bytes.").Resolve(context => Convert.ToBase64String(context.Source.Body));
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("signedAt").Description("The time its signature timestamps are of.").Resolve(context => context.Source.SignedAt);
        Field<NonNullGraphType<BooleanGraphType>, bool>("exact")
            .Description(
                "False when it cannot be exact: the attempt predates recording its signing time (signed again at its start), or a "
                + "secret that signed it is no longer held (its signature headers are then left out).")
            .Resolve(context => context.Source.Exact);
        Field<NonNullGraphType<BooleanGraphType>, bool>("urlChangedSince")
            .Description("The webhook was changed after this attempt: `url` is today's and may not be the one it went to.")
            .Resolve(context => context.Source.UrlChangedSince);
    }
}

/// <summary>The requests of one delivery's attempts, rendered once per operation however many attempts ask.</summary>
internal static class AttemptRequests
{
    public static async Task<RenderedAttempt?> OfAsync(IResolveFieldContext context, string deliveryId, int number)
    {
        var ledger = context.Ledger();
        Task<IReadOnlyDictionary<int, RenderedAttempt>> rendering;
        lock (ledger)
        {
            var key = "attempt-requests:" + deliveryId;
            if (ledger.GetValueOrDefault(key) is not Task<IReadOnlyDictionary<int, RenderedAttempt>> cached)
            {
                cached = RenderAsync(ledger, deliveryId, context.CancellationToken);
                ledger[key] = cached;
            }
            rendering = cached;
        }
        return (await rendering).GetValueOrDefault(number);
    }

    private static Task<IReadOnlyDictionary<int, RenderedAttempt>> RenderAsync(LedgerRequestContext ledger, string deliveryId, CancellationToken cancellationToken) =>
        ledger.Data.RenderAttemptsAsync(deliveryId, cancellationToken);
}
