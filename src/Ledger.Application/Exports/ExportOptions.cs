namespace Ledger.Application.Exports;

/// <summary>Export downloads (<c>Ledger:Exports</c>): how long a download URL that GraphQL hands out keeps working.</summary>
public sealed class ExportOptions
{
    public const string Section = "Ledger:Exports";

    /// <summary>Seconds a <c>/v1/exports/download/…</c> URL works after it is issued.</summary>
    public int DownloadExpirySeconds { get; set; } = 300;

    /// <summary>Download URLs outstanding at once across all tenants; more are refused (LIMIT_EXCEEDED) until some expire.</summary>
    public int MaxOutstandingDownloads { get; set; } = 10_000;

    /// <exception cref="InvalidOperationException">A setting is out of range.</exception>
    public ExportOptions Validate() =>
        DownloadExpirySeconds is < 10 or > 3600 ? throw new InvalidOperationException("Ledger:Exports:DownloadExpirySeconds must be between 10 and 3600")
        : MaxOutstandingDownloads is < 1 or > 1_000_000 ? throw new InvalidOperationException("Ledger:Exports:MaxOutstandingDownloads must be between 1 and 1000000")
        : this;
}
