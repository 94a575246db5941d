using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsvHelper;
using Ledger.Application.Exports;
using Ledger.Server.Api.Contract;

namespace Ledger.Server.Exports;

/// <summary>
/// Writes the deliveries and attempts exports (docs/audit.md) row by row as the read side pages them in, so memory holds
/// one page whatever the size: CSV per RFC 4180 (CsvHelper), cells that a spreadsheet would run as a formula
/// (starting with <c>= + - @</c>, tab or CR) prefixed with <c>'</c>; or JSONL, one object per line. Times are
/// <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> as the REST API writes them; an absent value is an empty cell (CSV) or <c>null</c> (JSONL).
/// </summary>
public static class RowExport
{
    private static readonly CsvWriterOptions CsvOptions = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
    private const int FlushEvery = 250;

    public static string ContentType(string format) => format == ExportFormats.Csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";

    public static string FileName(string kind, string format) => $"{kind}-export.{format}";

    public static Task WriteAsync<TRow>(Stream output, string format, IReadOnlyList<ExportColumn<TRow>> columns, IAsyncEnumerable<TRow> rows, CancellationToken cancellationToken) =>
        format == ExportFormats.Csv ? WriteCsvAsync(output, columns, rows, cancellationToken) : WriteJsonLinesAsync(output, columns, rows, cancellationToken);

    private static async Task WriteCsvAsync<TRow>(Stream output, IReadOnlyList<ExportColumn<TRow>> columns, IAsyncEnumerable<TRow> rows, CancellationToken cancellationToken)
    {
        await using var csv = CsvWriter.Create(output, CsvOptions, leaveOpen: true);
        csv.WriteHeader([.. columns.Select(c => c.Name)]);
        var count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            foreach (var column in columns)
            {
                switch (column.Value(row))
                {
                    case int number:
                        csv.WriteField(number);
                        break;
                    case DateTimeOffset time:
                        csv.WriteField(UtcTimeConverter.Format(time));
                        break;
                    case var value:
                        csv.WriteField((string?)value);
                        break;
                }
            }
            await csv.EndRecordAsync(cancellationToken);
            if (++count % FlushEvery == 0)
            {
                await csv.FlushAsync(cancellationToken);
            }
        }
        await csv.FlushAsync(cancellationToken);
    }

    private static async Task WriteJsonLinesAsync<TRow>(Stream output, IReadOnlyList<ExportColumn<TRow>> columns, IAsyncEnumerable<TRow> rows, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        await using var writer = new Utf8JsonWriter(buffer, JsonOptions);
        var count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            writer.Reset(buffer);
            writer.WriteStartObject();
            foreach (var column in columns)
            {
                switch (column.Value(row))
                {
                    case int number:
                        writer.WriteNumber(column.Name, number);
                        break;
                    case DateTimeOffset time:
                        writer.WriteString(column.Name, UtcTimeConverter.Format(time));
                        break;
                    case string text:
                        writer.WriteString(column.Name, text);
                        break;
                    default:
                        writer.WriteNull(column.Name);
                        break;
                }
            }
            writer.WriteEndObject();
            await writer.FlushAsync(cancellationToken);
            buffer.Write("\n"u8);
            count++;
            if (buffer.WrittenCount >= 48 * 1024 || count % FlushEvery == 0)
            {
                await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
                buffer.ResetWrittenCount();
            }
        }
        await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }
}
