using System.Net.Http.Json;
using System.Text.Json;

namespace Ledger.EndToEnd.Tests;

/// <summary>Seed 003 (docs/wire-profiles.md): kepler deliveries, filtered, signed with the server's key, verified by @multiversx/sdk-core.</summary>
public abstract class KeplerTests<TStorage>
    where TStorage : IStorageChoice
{
    private const string Contract = "erd1qqqqqqqqqqqqqpgqjhn0rrta3hceyguqlmkqgklxc0eh0r5rl3tsv6a9k0";
    private const string OtherContract = "erd1qyu5wthldzr8wx5c9ucg8kjagg0jfs53s8nr3zpz3hypefsdd8ssycr6th";

    [Fact]
    public async Task Kepler_deliveries_match_all_filters_and_verify_against_the_published_signing_address()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var server = await LedgerServer.StartAsync(TStorage.Kind);
        var client = server.Client();
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        var keys = await (await anonymous.GetAsync("/v1/signing-keys")).JsonAsync(200);
        var address = keys.GetProperty("address").GetString()!;

        var unfiltered = await client.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url(), profile = "kepler" });
        var webhook = await client.CreateWebhookAsync(new { url = receiver.Url(), profile = "kepler", filters = new { address = Contract, identifier = "distribute", topic = "distributed" } });
        var matching = Event(Contract, "distribute", "ZGlzdHJpYnV0ZWQ=", "2151f16aa3a491d5979d16d6e6ad128da9851d3d65bf63cf226d8083432a201b");
        var published = await client.PublishAsync(new { type = "mx.event", data = matching });
        var others = new[]
        {
            await client.PublishAsync(new { type = "mx.event", data = Event(Contract, "transfer", "ZGlzdHJpYnV0ZWQ=", "aa") }),
            await client.PublishAsync(new { type = "mx.event", data = Event(OtherContract, "distribute", "ZGlzdHJpYnV0ZWQ=", "bb") }),
            await client.PublishAsync(new { type = "mx.event", data = Event(Contract, "distribute", "Y2xhaW1lZA==", "cc") }),
        };
        var request = (await receiver.WaitForCountAsync(1))[0];
        await client.WaitForStatusAsync(published.FirstDeliveryId(), "delivered");

        var error = (await unfiltered.JsonAsync(400)).GetProperty("error");
        Assert.Equal("filters", error.GetProperty("field").GetString());
        Assert.StartsWith("erd1", address, StringComparison.Ordinal);
        Assert.Equal(64, keys.GetProperty("publicKey").GetString()!.Length);
        Assert.Equal(address, Assert.Single(keys.GetProperty("keys").EnumerateArray()).GetProperty("address").GetString());
        Assert.All(others, o => Assert.Empty(o.GetProperty("deliveries").EnumerateArray()));
        Assert.Equal("application/json", request.Header("content-type"));
        Assert.StartsWith("ProjectX-Kepler/", request.Header("user-agent"), StringComparison.Ordinal);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(webhook.Id(), body.GetProperty("webhook").GetString());
        Assert.Equal(matching["txHash"], body.GetProperty("event").GetProperty("txHash").GetString());
        Assert.Equal(JsonValueKind.Number, body.GetProperty("timestamp").ValueKind);
        Assert.True(await WireVerifier.VerifiesAsync(request, "kepler", address));
        Assert.False(await WireVerifier.VerifiesAsync(request, "kepler", OtherContract));
    }

    [Fact]
    public async Task During_a_signing_key_rotation_both_keys_are_listed_and_both_verify()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var server = await LedgerServer.StartAsync(TStorage.Kind);
        var client = server.Client();
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        var before = (await anonymous.GetFromJsonAsync<JsonElement>("/v1/signing-keys")).GetProperty("address").GetString()!;
        await client.CreateWebhookAsync(new { url = receiver.Url(), profile = "kepler", filters = new { identifier = "distribute" } });

        await server.KillAsync();
        await server.RunVerbAsync("signing-keys", "rotate", "--overlap-hours", "2");
        await server.RestartAsync();
        using var restarted = new HttpClient { BaseAddress = server.BaseAddress };
        var keys = await restarted.GetFromJsonAsync<JsonElement>("/v1/signing-keys");
        await server.Client().PublishAsync(new { type = "mx.event", data = Event(Contract, "distribute", "", "dd") });
        var request = (await receiver.WaitForCountAsync(1))[0];

        var after = keys.GetProperty("address").GetString()!;
        Assert.NotEqual(before, after);
        var listed = keys.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal([after, before], listed.Select(k => k.GetProperty("address").GetString()));
        Assert.Equal([true, false], listed.Select(k => k.GetProperty("active").GetBoolean()));
        Assert.True(await WireVerifier.VerifiesAsync(request, "kepler", after, withPrevious: false));
        Assert.True(await WireVerifier.VerifiesAsync(request, "kepler", before));
        Assert.False(await WireVerifier.VerifiesAsync(request, "kepler", before, withPrevious: false));
    }

    private static Dictionary<string, object> Event(string address, string identifier, string firstTopic, string txHash) => new()
    {
        ["address"] = address,
        ["identifier"] = identifier,
        ["topics"] = new[] { firstTopic, "AAAAAAAAAAAFAPWuOkANricr0lRon9WkT4jj8pSeV4c=" },
        ["data"] = "",
        ["txHash"] = txHash,
    };
}

public sealed class KeplerTestsOnSqlite : KeplerTests<OnSqlite>;

public sealed class KeplerTestsOnPostgres : KeplerTests<OnPostgres>;
