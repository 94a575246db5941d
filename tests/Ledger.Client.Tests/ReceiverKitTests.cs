using System.Collections.Concurrent;
using System.Text.Json;
using Ledger.Client.Publishing;
using Ledger.Client.Receiving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Client.Tests;

/// <summary>
/// The receiver kit behind a real ASP.NET Core endpoint: real deliveries of every profile from a real server reach
/// the handler; the same request with a changed body, checked with a wrong secret, or (where the profile signs the
/// attempt's time) ten minutes late is refused — and its verdicts agree with the npm verifiers' on the same bytes.
/// </summary>
public sealed class ReceiverKitTests(ClientServerFixture fixture) : IClassFixture<ClientServerFixture>
{
    private readonly LedgerClient _ledger = new(fixture.Http(), LedgerServer.ApiKey);
    private readonly string _type = "t" + Guid.NewGuid().ToString("N")[..10] + ".kit";

    [Theory]
    [InlineData("standard", true)]
    [InlineData("svix", true)]
    [InlineData("kash", true)]
    [InlineData("v2k", false)]
    [InlineData("generic", false)]
    [InlineData("github", false)]
    public async Task A_real_delivery_passes_the_endpoint_filter_and_forgeries_do_not(string profile, bool signsTime)
    {
        NodeScripts.RequireModules();
        var received = new ConcurrentQueue<(Dictionary<string, string> Headers, byte[] Body)>();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secret = NewSecret();
        await using var endpoint = await LoopbackApp.StartAsync(app => app.MapPost("/hooks", (HttpContext http) =>
        {
            received.Enqueue((http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()), http.LedgerWebhookBody().ToArray()));
            arrived.TrySetResult();
            return Results.Ok();
        }).RequireLedgerSignature(new WebhookVerifier(profile, secret)));
        await _ledger.CreateWebhookAsync(new WebhookSettings { Url = new Uri(endpoint.Address, "/hooks").ToString(), Profile = profile, Events = [_type], Secret = secret });

        var published = await _ledger.PublishAsync(new PublishEvent(_type, new { amount = "100", note = "café & <b>" }) { ApiVersion = "2026-04-29" });
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using (var rest = fixture.Server.Client())
        {
            await rest.WaitForStatusAsync(published.Deliveries[0].Id, "delivered");
        }
        var (headers, body) = Assert.Single(received);

        using var forger = new HttpClient { BaseAddress = endpoint.Address };
        var tampered = (byte[])body.Clone();
        tampered[^2] ^= 0x01;
        Assert.Equal(401, await PostAsync(forger, headers, tampered));
        Assert.Equal(401, await PostAsync(forger, headers.Where(h => !h.Key.Contains("ignature", StringComparison.Ordinal)).ToDictionary(), body));
        Assert.Single(received);

        var now = DateTimeOffset.UtcNow;
        var wrongSecret = NewSecret();
        var kit = new Dictionary<string, bool>
        {
            ["genuine"] = new WebhookVerifier(profile, secret, time: new FakeTimeProvider(now)).Verify(headers, body).IsValid,
            ["wrong secret"] = new WebhookVerifier(profile, wrongSecret, time: new FakeTimeProvider(now)).Verify(headers, body).IsValid,
            ["new and old secret held"] = new WebhookVerifier(profile, [wrongSecret, secret], time: new FakeTimeProvider(now)).Verify(headers, body).IsValid,
            ["ten minutes later"] = new WebhookVerifier(profile, secret, time: new FakeTimeProvider(now.AddMinutes(10))).Verify(headers, body).IsValid,
        };
        Assert.True(kit["genuine"]);
        Assert.False(kit["wrong secret"]);
        Assert.True(kit["new and old secret held"]);
        Assert.Equal(!signsTime, kit["ten minutes later"]);

        var npm = JsonSerializer.Deserialize<JsonElement[]>(await NodeScripts.RunAsync("verify-signature.mjs", JsonSerializer.Serialize(new[]
        {
            new { profile, secret, headers, bodyBase64 = Convert.ToBase64String(body) },
            new { profile, secret = wrongSecret, headers, bodyBase64 = Convert.ToBase64String(body) },
            new { profile, secret, headers, bodyBase64 = Convert.ToBase64String(tampered) },
        })))!;
        Assert.Equal([true, false, false], npm.Select(v => v.GetProperty("ok").GetBoolean()));
    }

    [Fact]
    public async Task A_real_kepler_delivery_verifies_against_the_published_signing_keys_and_forgeries_do_not()
    {
        NodeScripts.RequireModules();
        using var rest = fixture.Server.Client();
        var keys = await (await rest.GetAsync(new Uri("/v1/signing-keys", UriKind.Relative))).JsonAsync(200);
        var address = keys.GetProperty("address").GetString()!;
        var publicKey = keys.GetProperty("publicKey").GetString()!;
        var received = new ConcurrentQueue<(Dictionary<string, string> Headers, byte[] Body)>();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var endpoint = await LoopbackApp.StartAsync(app => app.MapPost("/hooks", (HttpContext http) =>
        {
            received.Enqueue((http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()), http.LedgerWebhookBody().ToArray()));
            arrived.TrySetResult();
            return Results.Ok();
        }).RequireLedgerSignature(WebhookVerifier.ForKepler([address])));
        var identifier = "kit" + Guid.NewGuid().ToString("N")[..8];
        await _ledger.CreateWebhookAsync(new WebhookSettings
        {
            Url = new Uri(endpoint.Address, "/hooks").ToString(),
            Profile = "kepler",
            Filters = new Dictionary<string, string> { ["identifier"] = identifier },
        });

        await _ledger.PublishAsync(new PublishEvent("mx.event", new
        {
            address = "erd1qqqqqqqqqqqqqpgq7khr5sqd4cnjh5j5dz0atfz03r3l99y727rsulfjj0",
            identifier,
            topics = new[] { "ZGlzdHJpYnV0ZWQ=" },
            data = "",
            txHash = "aa",
        }));
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var (headers, body) = Assert.Single(received);

        using var forger = new HttpClient { BaseAddress = endpoint.Address };
        var tampered = (byte[])body.Clone();
        tampered[^2] ^= 0x01;
        Assert.Equal(401, await PostAsync(forger, headers, tampered));
        Assert.Single(received);
        Assert.True(WebhookVerifier.ForKepler([publicKey]).Verify(headers, body).IsValid);
        var otherKey = new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom()).GeneratePublicKey().GetEncoded();
        Assert.False(WebhookVerifier.ForKepler([Convert.ToHexStringLower(otherKey)]).Verify(headers, body).IsValid);
        Assert.Throws<ArgumentException>(() => WebhookVerifier.ForKepler([Convert.ToHexStringLower(new byte[31])]));
        var npm = JsonSerializer.Deserialize<JsonElement>(await NodeScripts.RunAsync("verify-signature.mjs", JsonSerializer.Serialize(new
        {
            profile = "kepler",
            address,
            headers,
            bodyBase64 = Convert.ToBase64String(body),
        })));
        Assert.True(npm.GetProperty("ok").GetBoolean(), npm.ToString());
    }

    private static async Task<int> PostAsync(HttpClient client, Dictionary<string, string> headers, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks") { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in headers.Where(h => !h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && h.Key != "Host"))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>A secret every profile accepts: <c>whsec_</c> and the base64 of 32 random bytes.</summary>
    private static string NewSecret() => "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
