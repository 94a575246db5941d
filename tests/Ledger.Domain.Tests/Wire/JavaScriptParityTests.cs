using System.Globalization;
using System.Text;
using System.Text.Json;
using Ledger.Domain.Wire;

using Ledger.TestSupport;

namespace Ledger.Domain.Tests.Wire;

/// <summary>CanonicalJson held against node's own <c>JSON.stringify(JSON.parse(text))</c>.</summary>
public class JavaScriptParityTests
{
    [Fact]
    public async Task The_case_table_is_what_JavaScript_writes()
    {
        var valid = ((IEnumerable<object[]>)CanonicalJsonCases.Valid).Select(row => ((string)row[0], (string)row[1])).ToList();
        var invalid = ((IEnumerable<object[]>)CanonicalJsonCases.Invalid).Select(row => (string)row[0]).ToList();
        var results = await StringifyAsync([.. valid.Select(v => v.Item1), .. invalid]);
        for (var i = 0; i < valid.Count; i++)
        {
            Assert.True(results[i].Json == valid[i].Item2, $"node wrote {results[i].Json ?? results[i].Error} for {valid[i].Item1}, the table says {valid[i].Item2}");
        }
        for (var i = 0; i < invalid.Count; i++)
        {
            Assert.True(results[valid.Count + i].Json is null, $"node accepted {invalid[i]}");
        }
    }

    [Fact]
    public async Task Random_doubles_format_as_JavaScript_formats_them()
    {
        var random = new Random(20260502);
        var texts = new List<string>();
        for (var batch = 0; batch < 20; batch++)
        {
            var values = new List<string>();
            for (var i = 0; i < 1000; i++)
            {
                values.Add(RandomNumberText(random));
            }
            texts.Add("[" + string.Join(',', values) + "]");
        }
        await AssertSameAsJavaScriptAsync(texts);
    }

    [Fact]
    public async Task Random_documents_with_escapes_surrogates_duplicates_and_index_keys_match_JavaScript()
    {
        var random = new Random(4242);
        var texts = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var text = new StringBuilder();
            RandomValue(random, text, depth: 0);
            texts.Add(text.ToString());
        }
        await AssertSameAsJavaScriptAsync(texts);
    }

    private static async Task AssertSameAsJavaScriptAsync(List<string> texts)
    {
        var results = await StringifyAsync(texts);
        for (var i = 0; i < texts.Count; i++)
        {
            var ours = CanonicalJson.SerializeToString(texts[i]);
            if (ours != results[i].Json)
            {
                Assert.Fail($"for {texts[i]}\nLedger wrote {ours}\nnode wrote   {results[i].Json ?? results[i].Error}");
            }
        }
    }

    private static string RandomNumberText(Random random)
    {
        switch (random.Next(6))
        {
            case 0:
                // Any finite double, written in .NET's shortest form (E notation included).
                double d;
                do
                {
                    d = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
                }
                while (!double.IsFinite(d));
                return d.ToString("R", CultureInfo.InvariantCulture);
            case 1:
                // Near the positional/exponential borders (1e-7, 1e21) and around integers.
                var exponent = random.Next(-9, 24);
                return (random.NextDouble() * Math.Pow(10, exponent)).ToString("G17", CultureInfo.InvariantCulture);
            case 2:
                return random.NextInt64(-(1L << 60), 1L << 60).ToString(CultureInfo.InvariantCulture) + new string('0', random.Next(0, 8));
            case 3:
                return $"{random.Next(0, 1000)}.{random.Next(0, 100000):D5}e{random.Next(-330, 330)}";
            case 4:
                return (random.Next(0, 100000) / 100.0).ToString("F4", CultureInfo.InvariantCulture);
            default:
                return $"{random.Next(1, 10)}e{random.Next(-400, 400)}";
        }
    }

    private static readonly string[] Keys = ["a", "b", "z", "0", "1", "2", "10", "01", "-1", "4294967294", "4294967295", "é", "\\u00e9", "\\ud800", "__proto__", "x y"];

    private static void RandomValue(Random random, StringBuilder text, int depth)
    {
        switch (depth > 4 ? random.Next(3, 8) : random.Next(8))
        {
            case 0:
            case 1:
                text.Append('{');
                var members = random.Next(0, depth == 0 ? 40 : 6);
                for (var i = 0; i < members; i++)
                {
                    text.Append(i == 0 ? "" : ",").Append('"').Append(Keys[random.Next(Keys.Length)]).Append(random.Next(4) == 0 ? random.Next(3).ToString(CultureInfo.InvariantCulture) : "").Append("\":");
                    RandomValue(random, text, depth + 1);
                }
                text.Append('}');
                break;
            case 2:
                text.Append('[');
                var items = random.Next(0, 5);
                for (var i = 0; i < items; i++)
                {
                    text.Append(i == 0 ? "" : ",");
                    RandomValue(random, text, depth + 1);
                }
                text.Append(']');
                break;
            case 3:
            case 4:
                RandomString(random, text);
                break;
            case 5:
                text.Append(RandomNumberText(random));
                break;
            case 6:
                text.Append(random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" });
                break;
            default:
                text.Append(random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void RandomString(Random random, StringBuilder text)
    {
        text.Append('"');
        var length = random.Next(0, 12);
        for (var i = 0; i < length; i++)
        {
            switch (random.Next(7))
            {
                case 0:
                    // Any UTF-16 code unit as an escape: controls, surrogates (paired by chance or lone), anything.
                    text.Append("\\u").Append(random.Next(0, 0x10000).ToString(random.Next(2) == 0 ? "x4" : "X4", CultureInfo.InvariantCulture));
                    break;
                case 1:
                    text.Append("\\u").Append(random.Next(0xD800, 0xDC00).ToString("x4", CultureInfo.InvariantCulture))
                        .Append("\\u").Append(random.Next(0xDC00, 0xE000).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                case 2:
                    text.Append(random.Next(9) switch { 0 => "\\\"", 1 => "\\\\", 2 => "\\/", 3 => "\\b", 4 => "\\f", 5 => "\\n", 6 => "\\r", 7 => "\\t", _ => "\\u0000" });
                    break;
                case 3:
                    text.Append(random.Next(6) switch { 0 => "é", 1 => "東京", 2 => "🚀", 3 => "\u2028", 4 => "\u007f", _ => "&<>'+" });
                    break;
                default:
                    text.Append((char)random.Next('a', 'z' + 1));
                    break;
            }
        }
        text.Append('"');
    }

    private static async Task<List<(string? Json, string? Error)>> StringifyAsync(IReadOnlyList<string> texts)
    {
        var output = await NodeScripts.RunAsync("canonical-json.mjs", JsonSerializer.Serialize(texts));
        using var document = JsonDocument.Parse(output);
        var results = document.RootElement.EnumerateArray()
            .Select(r => (
                r.TryGetProperty("json", out var json) ? json.GetString() : null,
                r.TryGetProperty("error", out var error) ? error.GetString() : null))
            .ToList();
        Assert.Equal(texts.Count, results.Count);
        return results;
    }
}
