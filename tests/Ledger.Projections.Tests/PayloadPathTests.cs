using System.Text.Json;
using Ledger.Domain;
using Ledger.Projections.Search;

namespace Ledger.Projections.Tests;

public sealed class PayloadPathTests
{
    private static readonly JsonElement Data = JsonDocument.Parse("""{"user":{"id":"u-1","tags":["a","b"]},"items":[{"sku":"x","qty":2.0}],"flag":true,"none":null}""").RootElement;

    [Theory]
    [InlineData("user.id", "\"u-1\"", true)]
    [InlineData("$.user.id", "\"u-1\"", true)]
    [InlineData("user.id", "\"u-2\"", false)]
    [InlineData("user.tags[1]", "\"b\"", true)]
    [InlineData("items[0].sku", "\"x\"", true)]
    [InlineData("items[0].qty", "2", true)]
    [InlineData("items[1].sku", "\"x\"", false)]
    [InlineData("user", "{\"tags\":[\"a\",\"b\"],\"id\":\"u-1\"}", true)]
    [InlineData("flag", "true", true)]
    [InlineData("none", "null", true)]
    [InlineData("missing.deeper", "null", false)]
    [InlineData("user.id[0]", "\"u\"", false)]
    public void A_path_finds_the_value_and_compares_it_as_json(string path, string expected, bool matches) =>
        Assert.Equal(matches, PayloadPath.Parse(path, "payloadPath").Matches(Data, JsonDocument.Parse(expected).RootElement));

    [Theory]
    [InlineData("")]
    [InlineData("$.")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a[")]
    [InlineData("a[x]")]
    [InlineData("a[-1]")]
    [InlineData("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q")]
    public void A_malformed_path_is_a_validation_error_on_its_field(string path)
    {
        var error = Assert.Throws<DomainException>(() => PayloadPath.Parse(path, "payloadPath"));
        Assert.Equal((ErrorCodes.ValidationFailed, "payloadPath"), (error.Code, error.Field));
    }
}
