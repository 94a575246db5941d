namespace Ledger.Domain.Tests;

public sealed class HeaderTextTests
{
    [Theory]
    [InlineData("2026-04-29")]
    [InlineData("1")]
    [InlineData("v2.1+beta~!\"#$%&'()*,/;<=>?@[\\]^_`{|}")]
    public void An_apiVersion_of_visible_ASCII_is_valid(string value) => Assert.True(ApiVersion.IsValid(value));

    [Theory]
    [InlineData("")]
    [InlineData("2026\r\nX-Injected: yes")]
    [InlineData("2026\n")]
    [InlineData("2026\r")]
    [InlineData("2026\t")]
    [InlineData("2026\0")]
    [InlineData("2026\u007f")]
    [InlineData("2026 04 29")]
    [InlineData("2026-04-29\u00e9")]
    [InlineData("2026\u2028")]
    public void An_apiVersion_with_a_space_a_control_character_or_non_ASCII_is_invalid(string value) => Assert.False(ApiVersion.IsValid(value));

    [Fact]
    public void An_apiVersion_is_at_most_64_characters()
    {
        Assert.True(ApiVersion.IsValid(new string('a', 64)));
        Assert.False(ApiVersion.IsValid(new string('a', 65)));
        Assert.False(ApiVersion.IsValid(null));
    }
}
