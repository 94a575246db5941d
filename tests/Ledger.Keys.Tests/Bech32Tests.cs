namespace Ledger.Keys.Tests;

public sealed class Bech32Tests
{
    [Fact]
    public void A_public_key_becomes_its_multiversx_address()
    {
        // MultiversX's documented test wallet "alice".
        var alice = Convert.FromHexString("0139472eff6886771a982f3083da5d421f24c29181e63888228dc81ca60d69e1");

        Assert.Equal("erd1qyu5wthldzr8wx5c9ucg8kjagg0jfs53s8nr3zpz3hypefsdd8ssycr6th", Bech32.Address(alice));
    }

    [Fact]
    public void Seed_003s_signing_address_decodes_to_32_bytes_and_back()
    {
        const string kepler = "erd1c0mj9ctdg0xv872j4v3rs8ygcz2tdx7mtxffawj9trxfkvwg0njq7uzp58";

        Assert.True(Bech32.TryDecode(kepler, out var hrp, out var key));
        Assert.Equal("erd", hrp);
        Assert.Equal(32, key.Length);
        Assert.Equal(kepler, Bech32.Address(key));
        Assert.False(Bech32.TryDecode(kepler[..^1] + "9", out _, out _));
    }
}
