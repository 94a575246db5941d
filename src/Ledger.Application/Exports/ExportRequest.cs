using System.Globalization;
using Ledger.Domain;

namespace Ledger.Application.Exports;

/// <summary>The exports of docs/audit.md.</summary>
public static class ExportKinds
{
    public const string Ledger = "ledger";
    public const string Deliveries = "deliveries";
    public const string Attempts = "attempts";
}

/// <summary>How an export is written: CSV (RFC 4180) or JSONL (one object per line).</summary>
public static class ExportFormats
{
    public const string Csv = "csv";
    public const string Jsonl = "jsonl";

    /// <summary>A deliveries or attempts export's format: csv (the default) or jsonl.</summary>
    public static string ParseRowFormat(string? format) => format switch
    {
        null or "" or Csv => Csv,
        Jsonl => Jsonl,
        _ => throw DomainException.Validation("format", "format is csv or jsonl"),
    };
}

/// <summary>
/// Which deliveries a deliveries or attempts export covers: created in <c>[since, until)</c>, in one of the statuses,
/// of one webhook. The attempts export holds every attempt of those deliveries.
/// </summary>
public sealed record DeliveryExportFilter(DateTimeOffset? Since = null, DateTimeOffset? Until = null, IReadOnlyList<string>? Statuses = null, string? WebhookId = null)
{
    /// <summary>Reads ISO 8601 times; <paramref name="statuses"/> are already checked against the contract's names.</summary>
    public static DeliveryExportFilter Parse(string? since, string? until, IReadOnlyList<string>? statuses, string? webhookId) =>
        Of(Time("since", since), Time("until", until), statuses, webhookId);

    public static DeliveryExportFilter Of(DateTimeOffset? since, DateTimeOffset? until, IReadOnlyList<string>? statuses, string? webhookId)
    {
        if (since is { } f && until is { } t && t < f)
        {
            throw DomainException.Validation("until", "until is before since");
        }
        if (webhookId is not null && (webhookId.Length is 0 or > 100 || !webhookId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
        {
            throw DomainException.Validation("webhookId", "webhookId is a webhook's id (wh_…)");
        }
        return new(since, until, statuses is { Count: > 0 } ? statuses : null, webhookId);
    }

    private static DateTimeOffset? Time(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return value.Length <= 40 && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw DomainException.Validation(field, $"{field} is an ISO 8601 time such as 2026-01-31T00:00:00Z");
    }
}

/// <summary>One export as a download URL will write it: the ledger (with its range) or deliveries/attempts (with their filter).</summary>
public sealed record ExportRequest(string Kind, string Format, LedgerExportRange? Range = null, DeliveryExportFilter? Filter = null);

/// <summary>A download URL handed out for an export (docs/portal-tokens.md): relative, needing no other credential until it expires.</summary>
public sealed record ExportDownload(string Url, DateTimeOffset ExpiresAt, string Kind, string Format);
