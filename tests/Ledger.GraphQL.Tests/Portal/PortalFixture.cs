using System.Net.Http.Json;
using System.Text.Json;
using Ledger.TestSupport;

namespace Ledger.GraphQL.Tests.Portal;

/// <summary>A portal token as <c>POST /v1/portal-tokens</c> answered it.</summary>
public sealed record IssuedToken(string Id, string Token, JsonElement Body);

/// <summary>
/// A server of its own with one tenant and two webhooks, A and B, on receivers that refuse connections (so every
/// delivery fails at once and can be replayed). Events: <c>shared.one</c> goes to both, <c>b.only</c> to B only.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    public const string OperatorKey = "portal_key_operator_0123456789";
    public const string StrangerKey = "portal_key_stranger_0123456789";

    public LedgerServer Server { get; private set; } = null!;

    public string A { get; private set; } = null!;

    public string B { get; private set; } = null!;

    public string SharedEvent { get; } = "evt_portal_shared_" + Guid.NewGuid().ToString("N");

    public string BOnlyEvent { get; } = "evt_portal_bonly_" + Guid.NewGuid().ToString("N");

    /// <summary>The shared event's delivery to A, and to B.</summary>
    public string DeliveryA { get; private set; } = null!;

    public string DeliveryB { get; private set; } = null!;

    public string StrangerWebhook { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await LedgerServer.StartAsync(new Dictionary<string, string>
        {
            ["LEDGER_BOOTSTRAP_API_KEY"] = $"portal:{OperatorKey},stranger:{StrangerKey}",
            // Webhook B's receiver refuses everything and the tests wait for its deliveries to fail: no breaker pause.
            ["Ledger__Delivery__Breaker__FailureThreshold"] = "1000",
        });
        using var client = Operator();
        A = await CreateWebhookAsync(client, ["shared.*", "a.*"]);
        B = await CreateWebhookAsync(client, ["shared.*", "b.*"]);
        using var stranger = Server.Client(StrangerKey);
        StrangerWebhook = await CreateWebhookAsync(stranger, ["*"]);

        await using var failures = await WsClient.ConnectAndInitAsync(Server.WebSocketAddress(), OperatorKey);
        await failures.SubscribeAsync("failed", "subscription { deliveryUpdated(status: [FAILED]) { id webhook { id } event { id } } }");
        var shared = await PublishAsync(client, "shared.one", SharedEvent);
        DeliveryA = DeliveryTo(shared, A);
        DeliveryB = DeliveryTo(shared, B);
        var bOnly = await PublishAsync(client, "b.only", BOnlyEvent);
        var pending = new HashSet<string>([DeliveryA, DeliveryB, DeliveryTo(bOnly, B)], StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            pending.Remove((await failures.NextMatchingAsync("failed", _ => true)).Str("id"));
        }
    }

    public HttpClient Operator() => Server.Client(OperatorKey);

    public HttpClient As(IssuedToken token) => Server.Client(token.Token);

    public Task<IssuedToken> CreateTokenAsync(string[]? webhookIds, params string[] capabilities) => CreateTokenAsync(webhookIds, 3600, capabilities);

    public async Task<IssuedToken> CreateTokenAsync(string[]? webhookIds, int expiresInSeconds, params string[] capabilities)
    {
        using var client = Operator();
        using var response = await client.PostAsJsonAsync("/v1/portal-tokens", new { webhookIds, capabilities, expiresInSeconds });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True((int)response.StatusCode == 201, $"expected 201, got {(int)response.StatusCode}: {body}");
        return new IssuedToken(body.Str("id"), body.Str("token"), body);
    }

    public static async Task<string> CreateWebhookAsync(HttpClient client, string[] events) =>
        (await client.QueryAsync(
            "mutation($url: String!, $events: [String!]) { createWebhook(input: { url: $url, events: $events, retrySchedule: [] }) { webhook { id } } }",
            new { url = Receivers.Refusing(), events }))
        .GetProperty("createWebhook").GetProperty("webhook").Str("id");

    public static async Task<JsonElement> PublishAsync(HttpClient client, string type, string? id = null) =>
        (await client.QueryAsync(
            "mutation($type: String!, $id: ID) { publishEvent(input: { type: $type, data: { n: 1 }, id: $id }) { event { id } deliveries { id webhook { id } } } }",
            new { type, id }))
        .GetProperty("publishEvent");

    public static string DeliveryTo(JsonElement published, string webhookId) =>
        Assert.Single(published.GetProperty("deliveries").EnumerateArray(), d => d.GetProperty("webhook").Str("id") == webhookId).Str("id");

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
