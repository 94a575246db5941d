using GraphQL;
using GraphQL.Types;
using Ledger.Application.Exports;
using Ledger.GraphQL.Execution;

namespace Ledger.GraphQL.Schema;

/// <summary>
/// <c>exportLedger</c>, <c>exportDeliveries</c> and <c>exportAttempts</c>: short-lived download URLs for the exports
/// of docs/audit.md (§8), bound to the caller's tenant and scope, so a page such as the Inspector can offer a download
/// button without handing its credential to the browser's download.
/// </summary>
internal static class ExportFields
{
    public static void AddExportMutations(this ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<ExportDownloadType>, ExportDownload>("exportLedger")
            .Description("A download URL for the tenant's ledger as signed JSONL (`GET /v1/exports/ledger`). API keys only: the ledger is tenant-wide.")
            .Argument<ExportLedgerInputType>("input")
            .Resolve(context =>
            {
                var input = context.GetArgument<Dictionary<string, object?>>("input");
                var range = LedgerExportRange.Parse(Get(input, "from"), Get(input, "to"), Get(input, "streams"));
                return context.Ledger().Data.IssueExportDownload(new ExportRequest(ExportKinds.Ledger, ExportFormats.Jsonl, Range: range));
            });

        AddRowExport(mutation, "exportDeliveries", ExportKinds.Deliveries,
            "A download URL for one row per delivery (`GET /v1/exports/deliveries`), of the caller's webhooks only.");
        AddRowExport(mutation, "exportAttempts", ExportKinds.Attempts,
            "A download URL for one row per delivery attempt (`GET /v1/exports/attempts`), of the caller's webhooks only.");
    }

    private static void AddRowExport(ObjectGraphType mutation, string name, string kind, string description) =>
        mutation.Field<NonNullGraphType<ExportDownloadType>, ExportDownload>(name)
            .Description(description)
            .Argument<ExportDeliveriesInputType>("input")
            .Resolve(context =>
            {
                var input = context.GetArgument<Dictionary<string, object?>>("input");
                var filter = DeliveryExportFilter.Of(
                    input?.GetValueOrDefault("since") as DateTimeOffset?, input?.GetValueOrDefault("until") as DateTimeOffset?,
                    (input?.GetValueOrDefault("status") as IEnumerable<object?>)?.Select(s => (string)s!).ToList(), Get(input, "webhookId"));
                var format = Get(input, "format") ?? ExportFormats.Csv;
                return context.Ledger().Data.IssueExportDownload(new ExportRequest(kind, format, Filter: filter));
            });

    private static string? Get(Dictionary<string, object?>? input, string name) => input?.GetValueOrDefault(name) as string;
}

public sealed class ExportFormatType : EnumerationGraphType
{
    public ExportFormatType()
    {
        Name = "ExportFormat";
        Add("CSV", ExportFormats.Csv, "RFC 4180; cells that a spreadsheet would run as a formula start with '.");
        Add("JSONL", ExportFormats.Jsonl, "One JSON object per line.");
    }
}

public sealed class ExportKindType : EnumerationGraphType
{
    public ExportKindType()
    {
        Name = "ExportKind";
        Add("LEDGER", ExportKinds.Ledger);
        Add("DELIVERIES", ExportKinds.Deliveries);
        Add("ATTEMPTS", ExportKinds.Attempts);
    }
}

public sealed class ExportLedgerInputType : InputObjectGraphType
{
    public ExportLedgerInputType()
    {
        Name = "ExportLedgerInput";
        Field<StringGraphType>("from").Description("Inclusive: a ledger position or an ISO 8601 time.");
        Field<StringGraphType>("to").Description("Exclusive: a ledger position or an ISO 8601 time.");
        Field<StringGraphType>("streams").Description("One stream-name prefix.");
    }
}

public sealed class ExportDeliveriesInputType : InputObjectGraphType
{
    public ExportDeliveriesInputType()
    {
        Name = "ExportDeliveriesInput";
        Field<ExportFormatType>("format").DefaultValue(ExportFormats.Csv);
        Field<IdGraphType>("webhookId");
        Field<ListGraphType<NonNullGraphType<DeliveryStatusType>>>("status");
        Field<DateTimeScalar>("since").Description("Deliveries created at or after this time.");
        Field<DateTimeScalar>("until").Description("Deliveries created before this time.");
    }
}

public sealed class ExportDownloadType : ObjectGraphType<ExportDownload>
{
    public ExportDownloadType()
    {
        Name = "ExportDownload";
        Description = "A URL that downloads one export with no other credential until it expires; it carries the caller's tenant and scope.";
        Field<NonNullGraphType<StringGraphType>, string>("url").Description("Relative: /v1/exports/download/…").Resolve(context => context.Source.Url);
        Field<NonNullGraphType<DateTimeScalar>, DateTimeOffset>("expiresAt").Resolve(context => context.Source.ExpiresAt);
        Field<NonNullGraphType<ExportKindType>, string>("kind").Resolve(context => context.Source.Kind);
        Field<NonNullGraphType<ExportFormatType>, string>("format").Resolve(context => context.Source.Format);
    }
}
