using System.Runtime.CompilerServices;
using Ledger.Application.Exports;
using Ledger.Projections;

namespace Ledger.Application.Access;

/// <summary>
/// Exports as this caller may see them: deliveries and attempts of its webhooks only, read page by page so an export
/// of any size holds one page in memory; the ledger export, tenant-wide, for API keys only.
/// </summary>
public sealed partial class ScopedLedger
{
    /// <summary>The deliveries the filter selects, newest first (the order of <c>GET /v1/webhooks/events</c>).</summary>
    public async IAsyncEnumerable<DeliveryExportRow> ExportDeliveriesAsync(DeliveryExportFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (page, orderingKeys) in DeliveryPagesAsync(filter, cancellationToken))
        {
            foreach (var delivery in page)
            {
                yield return new DeliveryExportRow(delivery, orderingKeys.GetValueOrDefault(delivery.EventId));
            }
        }
    }

    /// <summary>Every attempt of the deliveries the filter selects: deliveries newest first, each one's attempts by number.</summary>
    public async IAsyncEnumerable<AttemptExportRow> ExportAttemptsAsync(DeliveryExportFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (page, orderingKeys) in DeliveryPagesAsync(filter, cancellationToken))
        {
            var attempts = await Queries.GetAttemptsOfDeliveriesAsync(Tenant, [.. page.Select(d => d.Id)], cancellationToken);
            foreach (var delivery in page)
            {
                foreach (var attempt in attempts.GetValueOrDefault(delivery.Id) ?? [])
                {
                    yield return new AttemptExportRow(delivery, orderingKeys.GetValueOrDefault(delivery.EventId), attempt);
                }
            }
        }
    }

    /// <summary>
    /// A short-lived download URL for an export, bound to this tenant and this caller's scope. The ledger export is
    /// tenant-wide, so portal tokens may not have it (FORBIDDEN); a webhook outside the scope is NOT_FOUND.
    /// </summary>
    public ExportDownload IssueExportDownload(ExportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind == ExportKinds.Ledger)
        {
            RequireOperator("export the ledger");
        }
        EnsureSees(request.Filter?.WebhookId);
        return _access.Exports.Issue(Tenant, Scope, request, Actor.Id);
    }

    /// <summary>Records, for the audit trail, that this caller took an export (<c>ledger</c>, <c>deliveries</c>, <c>attempts</c>) with these parameters.</summary>
    public Task RecordExportAsync(string kind, string parameters, CancellationToken cancellationToken) =>
        _access.Ledger.RecordExportAsync(Tenant, kind, parameters, Actor, cancellationToken);

    private async IAsyncEnumerable<(IReadOnlyList<DeliveryView> Page, IReadOnlyDictionary<string, string?> OrderingKeys)> DeliveryPagesAsync(
        DeliveryExportFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = new DeliveryFilter(WebhookId: filter.WebhookId, Statuses: filter.Statuses, Since: filter.Since, Until: filter.Until);
        string? cursor = null;
        do
        {
            var page = await ListDeliveriesAsync(query, ReadModelQueries.MaxPageSize, cursor, cancellationToken);
            if (page.Data.Count > 0)
            {
                yield return (page.Data, await Queries.GetOrderingKeysAsync(Tenant, [.. page.Data.Select(d => d.EventId)], cancellationToken));
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }
}
