using GraphQL;
using GraphQL.Types;
using Ledger.Application.Portal;
using Ledger.Domain.Portal;
using Ledger.GraphQL.Execution;

namespace Ledger.GraphQL.Schema;

/// <summary>
/// <c>createPortalToken</c> and <c>revokePortalToken</c> (docs/portal-tokens.md, operator keys only), and <c>caller</c>, which tells
/// a page such as the Inspector what its token may do.
/// </summary>
internal static class PortalTokenFields
{
    public static void AddCallerField(this ObjectGraphType query) =>
        query.Field<NonNullGraphType<CallerType>, CallerScope>("caller")
            .Description("Who is asking and what it may see and do: an API key (everything), or a portal token's webhooks and capabilities.")
            .Resolve(context => context.Ledger().Scope);

    public static void AddPortalTokenFields(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<PortalTokenType>, PortalTokenIssued>("createPortalToken")
            .Description("A token for the Webhook Inspector, limited to webhooks (or the whole tenant) and capabilities. API keys only.")
            .Argument<NonNullGraphType<CreatePortalTokenInputType>>("input")
            .ResolveAsync(async context =>
            {
                var input = context.GetArgument<Dictionary<string, object?>>("input");
                var request = new PortalTokenRequest(
                    input.TryGetValue("webhookIds", out var ids) && ids is IEnumerable<object?> list ? [.. list.Select(id => (string)id!)] : null,
                    input.TryGetValue("capabilities", out var caps) && caps is IEnumerable<object?> capabilities ? [.. capabilities.Select(c => (string)c!)] : null,
                    input.TryGetValue("expiresInSeconds", out var expires) && expires is int seconds ? seconds : null);
                return await context.Ledger().Data.CreatePortalTokenAsync(request, context.CancellationToken);
            });

        mutation.Field<NonNullGraphType<BooleanGraphType>, bool>("revokePortalToken")
            .Description("Revokes a portal token at once; the WebSocket connections it opened are closed with 4403. API keys only.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async context =>
            {
                await context.Ledger().Data.RevokePortalTokenAsync(context.GetArgument<string>("id"), context.CancellationToken);
                return true;
            });
    }
}

public sealed class PortalCapabilityType : EnumerationGraphType
{
    public PortalCapabilityType()
    {
        Name = "PortalCapability";
        Add("READ", PortalCapabilities.Read, "Sees its webhooks, their deliveries, events, streams and statistics.");
        Add("REPLAY", PortalCapabilities.Replay, "Also redelivers and replays.");
        Add("MANAGE", PortalCapabilities.Manage, "Also enables, disables, edits, rotates secrets and resets breakers.");
    }
}

public sealed class CreatePortalTokenInputType : InputObjectGraphType
{
    public CreatePortalTokenInputType()
    {
        Name = "CreatePortalTokenInput";
        Field<ListGraphType<NonNullGraphType<IdGraphType>>>("webhookIds").Description("The webhooks the token is limited to; null for the whole tenant.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PortalCapabilityType>>>>("capabilities");
        Field<IntGraphType>("expiresInSeconds").DefaultValue(PortalTokens.DefaultExpiresInSeconds).Description("60 to 2592000 (30 days).");
    }
}

public sealed class PortalTokenType : ObjectGraphType<PortalTokenIssued>
{
    public PortalTokenType()
    {
        Name = "PortalToken";
        Field<NonNullGraphType<IdGraphType>, string>("id").Resolve(context => context.Source.Id);
        Field<NonNullGraphType<StringGraphType>, string>("token").Description("Shown only here; the server keeps its hash.").Resolve(context => context.Source.Token);
        Field<NonNullGraphType<StringGraphType>, string>("url").Description("The Inspector with this token: /inspector?token=…").Resolve(context => context.Source.Url);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("expiresAt").Resolve(context => context.Source.ExpiresAt);
        Field<ListGraphType<NonNullGraphType<IdGraphType>>, IReadOnlyList<string>>("webhookIds").Resolve(context => context.Source.WebhookIds);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PortalCapabilityType>>>, IReadOnlyList<string>>("capabilities").Resolve(context => context.Source.Capabilities);
    }
}

public sealed class CallerType : ObjectGraphType<CallerScope>
{
    public CallerType()
    {
        Name = "Caller";
        Description = "The credential of the request: an API key (portalTokenId null) or a portal token.";
        Field<IdGraphType, string>("portalTokenId").Description("The portal token's id; null for an API key.").Resolve(context => context.Source.PortalTokenId);
        Field<ListGraphType<NonNullGraphType<IdGraphType>>, IReadOnlyList<string>>("webhookIds")
            .Description("The webhooks the caller is limited to; null for the whole tenant.")
            .Resolve(context => context.Source.WebhookIds is { } ids ? [.. ids.Order(StringComparer.Ordinal)] : null);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PortalCapabilityType>>>, IReadOnlyList<string>>("capabilities")
            .Resolve(context => [.. PortalCapabilities.All.Where(context.Source.Can)]);
        Field<DateTimeScalar, DateTimeOffset?>("expiresAt").Description("When the portal token stops working; null for an API key.").Resolve(context => context.Source.ExpiresAt);
    }
}
