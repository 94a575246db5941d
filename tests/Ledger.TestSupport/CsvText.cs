using CsvHelper;

namespace Ledger.TestSupport;

/// <summary>CSV as a reader reads it back (CsvHelper's RFC 4180 parser): one dictionary per record, keyed by the header.</summary>
public static class CsvText
{
    public static List<Dictionary<string, string>> Read(string text)
    {
        using var reader = CsvReader.FromText(text);
        var rows = new List<Dictionary<string, string>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.Headers[i]] = reader.GetString(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>The header names of the CSV text.</summary>
    public static IReadOnlyList<string> Header(string text)
    {
        using var reader = CsvReader.FromText(text);
        reader.ReadHeader();
        return [.. reader.Headers];
    }
}
