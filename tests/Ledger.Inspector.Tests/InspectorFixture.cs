using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Ledger.Inspector.Tests;

/// <summary>
/// One real server (its own process, SQLite) and one Chromium for the whole class; each test makes its own webhooks
/// and event types, so tests see only their own deliveries through filters.
/// </summary>
public sealed class InspectorFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private string? _profile;

    public LedgerServer Server { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    public IBrowserContext Browser { get; private set; } = null!;

    /// <summary>Uncaught errors of the pages opened since <see cref="PageErrors"/> was last cleared.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> PageErrors { get; } = new();

    /// <summary>Screenshots go to TestResults/artifacts/inspector at the repository root (ignored by git).</summary>
    public string Artifacts { get; } = Path.Combine(NodeScripts.RepoRoot, "TestResults", "artifacts", "inspector");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Artifacts);
        Server = await LedgerServer.StartAsync(new Dictionary<string, string>
        {
            // Tests make failing receivers on purpose: their deliveries must fail, not pause behind an open breaker.
            ["Ledger__Delivery__Breaker__FailureThreshold"] = "1000",
            // A bulk replay slow enough that the page shows it under way and can cancel it.
            ["Ledger__Replay__PerSecond"] = "1",
        });
        Api = Server.Client();
        (_playwright, Browser, _profile) = await InspectorBrowser.LaunchAsync();
    }

    /// <summary>
    /// A new tab on <paramref name="query"/> of /inspector (of the class's server unless another is given), signed in
    /// (the key put in session storage as the sign-in form does).
    /// </summary>
    public async Task<IPage> OpenAsync(string query = "", bool signedIn = true, LedgerServer? server = null)
    {
        var page = await Browser.NewPageAsync();
        page.PageError += (_, error) => PageErrors.Enqueue(error);
        if (signedIn)
        {
            await page.AddInitScriptAsync($"sessionStorage.setItem('ledger.inspector.apiKey', '{LedgerServer.ApiKey}')");
        }
        await page.GotoAsync(new Uri((server ?? Server).BaseAddress, "/inspector" + query).ToString());
        return page;
    }

    public async Task<string> CreateWebhookAsync(string url, string eventType, int[]? retrySchedule = null)
    {
        var webhook = await Api.CreateWebhookAsync(new { url, events = new[] { eventType }, retrySchedule = retrySchedule ?? [] });
        return webhook.Id();
    }

    public async Task<string> PublishAsync(string eventType, object? data = null)
    {
        var published = await Api.PublishAsync(new { type = eventType, data = data ?? new { amount = 42 } });
        return published.FirstDeliveryId();
    }

    /// <summary>A portal token (as an operator's dashboard makes one) for these webhooks with these capabilities.</summary>
    public async Task<string> CreatePortalTokenAsync(string[] webhookIds, params string[] capabilities)
    {
        var data = await GraphQLAsync(
            "mutation($input: CreatePortalTokenInput!) { createPortalToken(input: $input) { token } }",
            new { input = new { webhookIds, capabilities } });
        return data.GetProperty("createPortalToken").GetProperty("token").GetString()!;
    }

    public async Task<JsonElement> GraphQLAsync(string query, object? variables = null, HttpClient? client = null)
    {
        using var response = await (client ?? Api).PostAsJsonAsync("/graphql", new { query, variables });
        var body = await response.JsonAsync(200);
        Assert.False(body.TryGetProperty("errors", out var errors), errors.ToString());
        return body.GetProperty("data");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        Api?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        if (_profile is not null)
        {
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
