using Ledger.Application.Access;
using Ledger.Application.Exports;

namespace Ledger.Server.Exports;

/// <summary>Writes one export as an HTTP answer: its content type, a file name to save it as, then the rows as they are read.</summary>
public static class ExportResponse
{
    public static async Task WriteAsync(HttpContext http, ScopedLedger ledger, LedgerExport ledgerExport, ExportRequest request)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(ledgerExport);
        ArgumentNullException.ThrowIfNull(request);
        var response = http.Response;
        response.ContentType = RowExport.ContentType(request.Format);
        response.Headers.ContentDisposition = $"attachment; filename=\"{RowExport.FileName(request.Kind, request.Format)}\"";
        response.Headers.CacheControl = "no-store";
        var cancellationToken = http.RequestAborted;
        try
        {
            await WriteBodyAsync(response, ledger, ledgerExport, request, cancellationToken);
        }
        finally
        {
            // After the export, so that a ledger export never holds its own record; whether or not the client read it to the end.
            await ledger.RecordExportAsync(request.Kind, await ParametersAsync(http, ledger, request), CancellationToken.None);
        }
    }

    /// <summary>
    /// The export's query as the audit trail records it; a <c>webhookId</c> the caller does not see is left out, so that
    /// the caller's ledger never holds another tenant's id.
    /// </summary>
    private static async Task<string> ParametersAsync(HttpContext http, ScopedLedger ledger, ExportRequest request)
    {
        if (http.Request.Path.StartsWithSegments(ExportDownloads.Path))
        {
            return "download";
        }
        var hidden = request.Filter?.WebhookId is { } webhookId && await ledger.GetWebhookAsync(webhookId, CancellationToken.None) is null;
        return string.Join('&', http.Request.Query
            .Where(q => !(hidden && q.Key == "webhookId"))
            .Select(q => $"{q.Key}={q.Value}"));
    }

    private static async Task WriteBodyAsync(HttpResponse response, ScopedLedger ledger, LedgerExport ledgerExport, ExportRequest request, CancellationToken cancellationToken)
    {
        switch (request.Kind)
        {
            case ExportKinds.Ledger:
                await ledgerExport.WriteAsync(response.Body, ledger.Tenant, request.Range!, cancellationToken);
                break;
            case ExportKinds.Deliveries:
                await RowExport.WriteAsync(response.Body, request.Format, ExportColumns.Deliveries, ledger.ExportDeliveriesAsync(request.Filter!, cancellationToken), cancellationToken);
                break;
            default:
                await RowExport.WriteAsync(response.Body, request.Format, ExportColumns.Attempts, ledger.ExportAttemptsAsync(request.Filter!, cancellationToken), cancellationToken);
                break;
        }
    }
}
