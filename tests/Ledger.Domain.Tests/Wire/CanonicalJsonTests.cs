using System.Text;
using System.Text.Json;
using Ledger.Domain.Wire;

namespace Ledger.Domain.Tests.Wire;

public class CanonicalJsonTests
{
    [Theory]
    [MemberData(nameof(CanonicalJsonCases.Valid), MemberType = typeof(CanonicalJsonCases))]
    public void Writes_what_JSON_stringify_of_the_parsed_text_writes(string input, string expected)
    {
        Assert.Equal(expected, CanonicalJson.SerializeToString(input));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), CanonicalJson.Serialize(input));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), CanonicalJson.Serialize(Encoding.UTF8.GetBytes(input)));
    }

    [Theory]
    [MemberData(nameof(CanonicalJsonCases.Valid), MemberType = typeof(CanonicalJsonCases))]
    public void A_JsonElement_gives_the_same_bytes_as_its_text(string input, string expected)
    {
        using var document = JsonDocument.Parse(input);
        Assert.Equal(Encoding.UTF8.GetBytes(expected), CanonicalJson.Serialize(document.RootElement));
        Assert.Equal(expected, CanonicalJson.SerializeToString(document.RootElement));
    }

    [Theory]
    [MemberData(nameof(CanonicalJsonCases.Valid), MemberType = typeof(CanonicalJsonCases))]
    public void Canonical_output_is_a_fixed_point(string input, string expected)
    {
        _ = input;
        Assert.Equal(expected, CanonicalJson.SerializeToString(expected));
    }

    [Theory]
    [MemberData(nameof(CanonicalJsonCases.Invalid), MemberType = typeof(CanonicalJsonCases))]
    public void Invalid_JSON_is_a_FormatException_that_says_so(string input)
    {
        var error = Assert.Throws<FormatException>(() => CanonicalJson.Serialize(input));
        Assert.StartsWith("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => CanonicalJson.Serialize(Encoding.UTF8.GetBytes(input)));
    }

    [Fact]
    public void A_default_JsonElement_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(default(JsonElement)));
    }

    [Fact]
    public void Invalid_UTF8_in_a_string_becomes_the_replacement_character_a_receiver_decodes()
    {
        byte[] input = [(byte)'[', (byte)'"', (byte)'a', 0xFF, (byte)'b', (byte)'"', (byte)']'];
        Assert.Equal("[\"a\uFFFDb\"]", Encoding.UTF8.GetString(CanonicalJson.Serialize(input)));
    }

    [Fact]
    public void Large_objects_keep_order_and_resolve_duplicates()
    {
        // Past the quadratic duplicate scan, the dictionary path must agree with it.
        var input = new StringBuilder("{");
        var expected = new StringBuilder("{");
        for (var i = 0; i < 100; i++)
        {
            input.Append(i == 0 ? "" : ",").Append("\"k").Append(99 - i).Append("\":").Append(i).Append(".0");
        }
        input.Append(",\"k50\":\"last\",\"7\":true}");
        expected.Append("\"7\":true");
        for (var i = 0; i < 100; i++)
        {
            var key = 99 - i;
            expected.Append(",\"k").Append(key).Append("\":").Append(key == 50 ? "\"last\"" : i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        expected.Append('}');
        Assert.Equal(expected.ToString(), CanonicalJson.SerializeToString(input.ToString()));
    }

    [Fact]
    public void Long_strings_with_escapes_survive_the_pooled_path()
    {
        var value = string.Concat(Enumerable.Repeat("é\\u00e9\\n🚀\\ud83d\\ude80<&>", 500));
        var expected = string.Concat(Enumerable.Repeat("éé\\n🚀🚀<&>", 500));
        Assert.Equal($"\"{expected}\"", CanonicalJson.SerializeToString($"\"{value}\""));
    }

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(-0.0, "0")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(123456789012345680000.0, "123456789012345680000")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(double.Epsilon, "5e-324")]
    [InlineData(-1.5e-300, "-1.5e-300")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void Numbers_format_as_Number_prototype_toString(double value, string expected)
    {
        Assert.Equal(expected, JsNumber.ToString(value));
    }
}
