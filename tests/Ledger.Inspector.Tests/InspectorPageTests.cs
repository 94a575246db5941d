using System.Net;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ledger.Inspector.Tests;

[Collection(InspectorCollection.Name)]
public sealed class InspectorPageTests : IAsyncLifetime
{
    private readonly InspectorFixture _fixture;
    private readonly string _type = "inspector.test." + Guid.NewGuid().ToString("N")[..8];
    private Receiver _receiver = null!;

    public InspectorPageTests(InspectorFixture fixture)
    {
        _fixture = fixture;
        // A bound on waits that should end at once on a busy machine, never what a test measures.
        SetDefaultExpectTimeout(30_000);
    }

    public async Task InitializeAsync()
    {
        _fixture.PageErrors.Clear();
        _receiver = await Receiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        Assert.True(_fixture.PageErrors.IsEmpty, "the page threw: " + string.Join("\n", _fixture.PageErrors));
    }

    private ILocator Rows(IPage page) => page.GetByTestId("delivery-row");

    /// <summary>The serious and critical findings of an axe scan of the page as it is now.</summary>
    private static async Task<IEnumerable<string>> AxeProblemsAsync(IPage page, string where) =>
        (await page.RunAxe()).Violations
            .Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{where}: {v.Id} {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}");

    private static async Task AssertAccessibleAsync(IPage page, string where)
    {
        var problems = (await AxeProblemsAsync(page, where)).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Signing_in_refuses_a_bad_key_accepts_a_good_one_keeps_it_for_the_tab_only_and_signs_out()
    {
        var page = await _fixture.OpenAsync(signedIn: false);
        var offHost = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(_fixture.Server.BaseAddress.ToString(), StringComparison.Ordinal)
                && !request.Url.StartsWith(_fixture.Server.BaseAddress.ToString().Replace("http", "ws", StringComparison.Ordinal), StringComparison.Ordinal))
            {
                offHost.Add(request.Url);
            }
        };
        await page.GetByLabel("API key").FillAsync("not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("API key was not accepted");

        await page.GetByLabel("API key").FillAsync(LedgerServer.ApiKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Deliveries" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("socket-state")).ToHaveTextAsync("Live");
        Assert.Equal(LedgerServer.ApiKey, await page.EvaluateAsync<string>("sessionStorage.getItem('ledger.inspector.apiKey')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("localStorage.length"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('ledger.inspector.apiKey')"));
        Assert.Empty(offHost);
        await page.CloseAsync();
    }

    /// <summary>
    /// A link with <c>?token=</c> (how portal tokens reach the page) signs in with that credential and removes it
    /// from the address bar; an API key works in it too. The embedding dashboard's title and logo show in the header.
    /// </summary>
    [Fact]
    public async Task A_sign_in_link_signs_the_tab_in_leaves_no_token_in_the_address_bar_and_takes_a_title_and_logo()
    {
        var refused = await _fixture.OpenAsync("?token=expired-token&view=endpoints", signedIn: false);
        await Expect(refused.GetByRole(AriaRole.Alert)).ToContainTextAsync("sign-in link was not accepted");
        Assert.DoesNotContain("token", refused.Url, StringComparison.Ordinal);
        await refused.CloseAsync();

        var page = await _fixture.OpenAsync($"?token={LedgerServer.ApiKey}&view=endpoints&title=Acme%20webhooks&logo=/inspector/acme.svg", signedIn: false);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Endpoints" })).ToBeVisibleAsync();
        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);
        Assert.Contains("view=endpoints", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator(".brand")).ToHaveTextAsync("Acme webhooks");
        await Expect(page.GetByTestId("logo")).ToHaveAttributeAsync("src", "/inspector/acme.svg");
        await Expect(page.GetByTestId("caller-scope")).ToHaveCountAsync(0);

        // A logo from another host is not shown: the page loads nothing from elsewhere.
        await page.GotoAsync(new Uri(_fixture.Server.BaseAddress, "/inspector?logo=//elsewhere.example/logo.png").ToString());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Deliveries" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("logo")).ToHaveCountAsync(0);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Losing_the_server_says_so_on_the_page()
    {
        var page = await _fixture.OpenAsync();
        await Expect(page.GetByTestId("socket-state")).ToHaveTextAsync("Live");
        await page.Context.SetOfflineAsync(true);
        try
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Endpoints" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Cannot reach the Ledger server");
        }
        finally
        {
            await page.Context.SetOfflineAsync(false);
        }
        await page.CloseAsync();
    }

    [Fact]
    public async Task Each_filter_narrows_the_list_to_the_right_rows_and_lives_in_the_url()
    {
        var failing = await Receiver.StartAsync();
        await using var _ = failing;
        failing.Handler = _ => Task.FromResult(Results.Text("down for maintenance", statusCode: 503));
        var otherType = _type + ".other";
        var good = await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        var bad = await _fixture.CreateWebhookAsync(failing.Url(), otherType);
        var delivered = await _fixture.PublishAsync(_type);
        var failed = await _fixture.PublishAsync(otherType);
        await _fixture.Api.WaitForStatusAsync(delivered, "delivered");
        await _fixture.Api.WaitForStatusAsync(failed, "failed");

        var page = await _fixture.OpenAsync($"?webhook={good}");
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).First).ToHaveAttributeAsync("data-id", delivered);

        await page.GetByLabel("Webhook").SelectOptionAsync(bad);
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).First).ToHaveAttributeAsync("data-id", failed);
        Assert.Contains($"webhook={bad}", page.Url, StringComparison.Ordinal);

        await page.GoBackAsync();
        await Expect(Rows(page).First).ToHaveAttributeAsync("data-id", delivered);

        await page.GetByLabel("Webhook").SelectOptionAsync("");
        await page.GetByLabel("Event type").FillAsync(otherType);
        await page.GetByLabel("Event type").PressAsync("Enter");
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).First).ToHaveAttributeAsync("data-id", failed);

        await page.GetByLabel("Event type").FillAsync(_type);
        await page.GetByLabel("Event type").PressAsync("Enter");
        await page.GetByLabel("Failed").CheckAsync();
        await Expect(page.GetByText("No deliveries match these filters.")).ToBeVisibleAsync();
        await Expect(Rows(page)).ToHaveCountAsync(0);
        await page.GetByLabel("Failed").UncheckAsync();
        await page.GetByLabel("Delivered").CheckAsync();
        await Expect(Rows(page)).ToHaveCountAsync(1);
        Assert.Contains("status=DELIVERED", page.Url, StringComparison.Ordinal);

        await page.GetByLabel("Time").SelectOptionAsync("1h");
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await page.GetByLabel("Time").SelectOptionAsync("custom");
        await page.GetByLabel("From").FillAsync(DateTime.Now.AddHours(1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await Expect(Rows(page)).ToHaveCountAsync(0);

        var shared = await _fixture.OpenAsync(new Uri(page.Url).Query);
        await Expect(shared.GetByText("No deliveries match these filters.")).ToBeVisibleAsync();
        await shared.CloseAsync();
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_answer_failure_attempts_and_search_filters_narrow_the_list_and_survive_reload_and_back()
    {
        var failing = await Receiver.StartAsync();
        await using var _ = failing;
        failing.Handler = _ => Task.FromResult(Results.Text("down", statusCode: 503));
        var good = await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        var bad = await _fixture.CreateWebhookAsync(failing.Url(), _type);
        async Task<Dictionary<string, string>> Publish(object data, string orderingKey)
        {
            var published = await _fixture.Api.PublishAsync(new { type = _type, data, orderingKey });
            var byHook = published.GetProperty("deliveries").EnumerateArray()
                .ToDictionary(d => d.GetProperty("webhookId").GetString()!, d => d.GetProperty("id").GetString()!);
            await _fixture.Api.WaitForStatusAsync(byHook[good], "delivered");
            await _fixture.Api.WaitForStatusAsync(byHook[bad], "failed");
            return byHook;
        }
        var first = await Publish(new { user = new { id = 42 } }, "acct-1");
        var second = await Publish(new { user = new { id = 7 } }, "acct-2");

        var page = await _fixture.OpenAsync($"?type={_type}");
        await Expect(Rows(page)).ToHaveCountAsync(4);
        await page.GetByLabel("Last answer").SelectOptionAsync("STATUS_5XX");
        await Expect(Rows(page)).ToHaveCountAsync(2);
        await Expect(Rows(page).Nth(0)).ToHaveAttributeAsync("data-status", "FAILED");
        await Expect(Rows(page).Nth(1)).ToHaveAttributeAsync("data-status", "FAILED");
        await page.GetByLabel("Search").FillAsync("user.id=42");
        await page.GetByLabel("Search").PressAsync("Enter");
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).First).ToHaveAttributeAsync("data-id", first[bad]);

        await page.ReloadAsync();
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).First).ToHaveAttributeAsync("data-id", first[bad]);
        await Expect(page.GetByLabel("Search")).ToHaveValueAsync("user.id=42");
        await Expect(page.GetByLabel("Last answer")).ToHaveValueAsync("STATUS_5XX");
        await page.GoBackAsync();
        await Expect(Rows(page)).ToHaveCountAsync(2);
        await Expect(page.GetByLabel("Search")).ToHaveValueAsync("");
        await page.GoBackAsync();
        await Expect(Rows(page)).ToHaveCountAsync(4);
        await Expect(page.GetByLabel("Last answer")).ToHaveValueAsync("");

        async Task Search(string text, params string[] expected)
        {
            await page.GetByLabel("Search").FillAsync(text);
            await page.GetByLabel("Search").PressAsync("Enter");
            await Expect(Rows(page)).ToHaveCountAsync(expected.Length);
            var shown = await Rows(page).EvaluateAllAsync<string[]>("rows => rows.map(row => row.dataset.id)");
            Assert.Equal(expected.Order(), shown.Order());
        }
        await Search("acct-2", second[good], second[bad]);
        await Search("key:acct-1", first[good], first[bad]);
        await Search(second[good], second[good]);
        await Search(second[good][..^4], second[good]);
        await Search("user.id=7", second[good], second[bad]);
        await Search("", first[good], first[bad], second[good], second[bad]);

        await page.GetByLabel("Failure code").FillAsync("HTTP_STATUS");
        await page.GetByLabel("Failure code").PressAsync("Enter");
        await Expect(Rows(page)).ToHaveCountAsync(2);
        await page.GetByLabel("Attempts at least").FillAsync("2");
        await page.GetByLabel("Attempts at least").PressAsync("Enter");
        await Expect(page.GetByText("No deliveries match these filters.")).ToBeVisibleAsync();
        Assert.Contains("code=HTTP_STATUS", page.Url, StringComparison.Ordinal);
        Assert.Contains("minAttempts=2", page.Url, StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Link, new() { Name = "Clear filters" }).ClickAsync();
        await Expect(page.GetByLabel("Failure code")).ToHaveValueAsync("");
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_delivery_published_while_the_page_is_open_appears_and_turns_delivered_without_a_reload()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver.Handler = async _ =>
        {
            await gate.Task;
            return Results.Ok("ok");
        };
        await _fixture.CreateWebhookAsync(_receiver.Url(), _type, [1]);
        var page = await _fixture.OpenAsync($"?type={_type}");
        await Expect(page.GetByTestId("socket-state")).ToHaveTextAsync("Live");
        await Expect(page.GetByText("No deliveries match these filters.")).ToBeVisibleAsync();
        await page.EvaluateAsync("window.__marker = 'same page'");

        var id = await _fixture.PublishAsync(_type);
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).First).ToHaveAttributeAsync("data-id", id);
        Assert.NotEqual("DELIVERED", await Rows(page).First.GetAttributeAsync("data-status"));

        gate.SetResult();
        await Expect(page.Locator($"[data-id='{id}']")).ToHaveAttributeAsync("data-status", "DELIVERED");
        Assert.Equal("same page", await page.EvaluateAsync<string>("window.__marker"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause live tail" }).ClickAsync();
        var second = await _fixture.PublishAsync(_type);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "1 new delivery — show" })).ToBeVisibleAsync();
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "1 new delivery — show" }).ClickAsync();
        await Expect(Rows(page).First).ToHaveAttributeAsync("data-id", second);
        await page.CloseAsync();
    }

    [Fact]
    public async Task After_a_lost_connection_the_live_tail_says_so_resubscribes_by_itself_and_shows_what_it_missed()
    {
        await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        var page = await _fixture.OpenAsync($"?type={_type}");
        await Expect(page.GetByTestId("socket-state")).ToHaveTextAsync("Live");

        await page.Context.SetOfflineAsync(true);
        string missed;
        try
        {
            await Expect(page.GetByTestId("socket-state")).ToHaveTextAsync("Connection lost — reconnecting…");
            missed = await _fixture.PublishAsync(_type);
        }
        finally
        {
            await page.Context.SetOfflineAsync(false);
        }
        await Expect(page.GetByTestId("socket-state")).ToHaveTextAsync("Reconnected — live updates resumed");
        await Expect(page.Locator($"[data-id='{missed}']")).ToBeVisibleAsync();

        var live = await _fixture.PublishAsync(_type);
        await Expect(page.Locator($"[data-id='{live}']")).ToHaveAttributeAsync("data-status", "DELIVERED");
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_failing_receivers_attempts_show_the_response_and_a_replay_shows_new_attempts_live()
    {
        _receiver.Handler = _ => Task.FromResult(Results.Text("{\"error\":\"ledger account frozen\"}", "application/json", statusCode: 422));
        await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        var id = await _fixture.PublishAsync(_type, new { payout = "po_123", amount = 1250 });
        await _fixture.Api.WaitForStatusAsync(id, "failed");

        var page = await _fixture.OpenAsync($"?type={_type}");
        await Rows(page).First.GetByRole(AriaRole.Link).ClickAsync();
        Assert.Contains($"delivery={id}", page.Url, StringComparison.Ordinal);
        var drawer = page.GetByRole(AriaRole.Dialog);
        await Expect(drawer.GetByRole(AriaRole.Heading, new() { Name = $"Delivery {id}" })).ToBeFocusedAsync();
        await Expect(drawer.GetByTestId("payload")).ToContainTextAsync("\"payout\": \"po_123\"");
        await Expect(drawer.GetByTestId("attempt")).ToHaveCountAsync(1);
        await Expect(drawer.GetByTestId("attempt").First).ToContainTextAsync("HTTP 422");
        await Expect(drawer.GetByTestId("response-body")).ToContainTextAsync("ledger account frozen");
        await Expect(drawer.GetByTestId("timeline")).ToContainTextAsync("hash");
        await Expect(drawer.GetByTestId("chain")).ToHaveTextAsync("✓ Chain verified");

        // The request as sent, beside the answer: the very signature and trace headers the receiver got.
        var sent = Assert.Single(_receiver.Requests);
        var request = drawer.GetByTestId("attempt").First.GetByTestId("request");
        await Expect(request.GetByTestId("request-line")).ToHaveTextAsync($"POST {_receiver.Url()}");
        await Expect(request.GetByTestId("request-headers")).ToContainTextAsync($"webhook-signature: {sent.Header("webhook-signature")}");
        await Expect(request.GetByTestId("request-headers")).ToContainTextAsync($"webhook-id: {sent.Header("webhook-id")}");
        await Expect(request.GetByTestId("request-headers")).ToContainTextAsync($"traceparent: {sent.Header("traceparent")}");
        await Expect(request.GetByTestId("request-body")).ToContainTextAsync("\"payout\": \"po_123\"");
        await Expect(drawer.GetByTestId("attempt").First.GetByTestId("response")).ToContainTextAsync("HTTP 422");

        _receiver.Handler = _ => Task.FromResult(Results.Ok("ok"));
        await drawer.GetByRole(AriaRole.Button, new() { Name = "Replay delivery" }).ClickAsync();
        await Expect(drawer.GetByTestId("drawer-message")).ToContainTextAsync("Replay queued");
        await Expect(drawer.GetByTestId("attempt")).ToHaveCountAsync(2);
        await Expect(drawer.GetByTestId("attempt").Nth(1)).ToContainTextAsync("HTTP 200");
        await Expect(page.Locator($"[data-id='{id}']")).ToHaveAttributeAsync("data-status", "DELIVERED");

        await page.Keyboard.PressAsync("Escape");
        await Expect(drawer).ToHaveCountAsync(0);
        Assert.DoesNotContain("delivery=", page.Url, StringComparison.Ordinal);
        await page.GoBackAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_endpoints_view_disables_after_confirming_rotates_a_secret_once_and_sends_a_test_event()
    {
        var id = await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        var page = await _fixture.OpenAsync("?view=endpoints");
        var card = page.Locator($"[data-testid='endpoint'][data-id='{id}']");
        await Expect(card.GetByTestId("endpoint-state")).ToContainTextAsync("Active");
        await Expect(card.GetByTestId("endpoint-circuit")).ToContainTextAsync("Closed");

        await card.GetByRole(AriaRole.Button, new() { Name = "Disable…" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Disable this endpoint?" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(card.GetByTestId("endpoint-state")).ToContainTextAsync("Active");
        await card.GetByRole(AriaRole.Button, new() { Name = "Disable…" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true }).ClickAsync();
        await Expect(card.GetByTestId("endpoint-state")).ToContainTextAsync("Disabled");
        var hook = await _fixture.GraphQLAsync("query($id: ID!) { webhook(id: $id) { active } }", new { id });
        Assert.False(hook.GetProperty("webhook").GetProperty("active").GetBoolean());
        await card.GetByRole(AriaRole.Button, new() { Name = "Enable…" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Enable", Exact = true }).ClickAsync();
        await Expect(card.GetByTestId("endpoint-state")).ToContainTextAsync("Active");

        await card.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" }).ClickAsync();
        var secret = page.GetByRole(AriaRole.Dialog, new() { Name = "New signing secret" });
        await Expect(secret.GetByTestId("new-secret")).Not.ToBeEmptyAsync();
        await secret.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await Expect(page.GetByTestId("new-secret")).ToHaveCountAsync(0);

        await card.GetByRole(AriaRole.Button, new() { Name = "Send test event" }).ClickAsync();
        await Expect(page.GetByTestId("endpoints-message")).ToContainTextAsync("Test event sent: delivery dlv_");
        await _receiver.WaitForCountAsync(1);
        await page.ReloadAsync();
        await Expect(card.GetByTestId("sparkline")).ToHaveAttributeAsync("aria-label", "1 delivery in the last 24 hours, 0 failed");
        await page.CloseAsync();
    }

    /// <summary>
    /// On a server whose breaker opens at the first failure (and stays open for ten minutes), the endpoint's card
    /// turns open without a reload, says when the next probe goes, and Reset breaker closes it.
    /// </summary>
    [Fact]
    public async Task An_opening_breaker_shows_on_its_endpoint_live_and_reset_closes_it()
    {
        await using var server = await LedgerServer.StartAsync(new Dictionary<string, string>
        {
            ["Ledger__Delivery__Breaker__FailureThreshold"] = "1",
            ["Ledger__Delivery__Breaker__CooldownSeconds"] = "600",
            ["Ledger__Delivery__Breaker__MaxCooldownSeconds"] = "600",
        });
        using var api = server.Client();
        _receiver.Handler = _ => Task.FromResult(Results.StatusCode(500));
        var hook = (await api.CreateWebhookAsync(new { url = _receiver.Url(), events = new[] { _type }, retrySchedule = Array.Empty<int>() })).Id();

        var page = await _fixture.OpenAsync("?view=endpoints", server: server);
        var card = page.Locator($"[data-testid='endpoint'][data-id='{hook}']");
        await Expect(card.GetByTestId("endpoint-circuit")).ToHaveTextAsync("Closed (delivering)");
        await Expect(page.GetByTestId("socket-state")).ToHaveTextAsync("Live");
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Reset breaker" })).ToHaveCountAsync(0);

        await api.PublishAsync(new { type = _type, data = new { n = 1 } });
        await Expect(card.GetByTestId("endpoint-circuit")).ToContainTextAsync("Open (paused)");
        await Expect(card.GetByTestId("endpoint-circuit")).ToContainTextAsync("next probe");
        await card.GetByRole(AriaRole.Button, new() { Name = "Reset breaker" }).ClickAsync();
        await Expect(page.GetByTestId("endpoints-message")).ToContainTextAsync("reset");
        await Expect(card.GetByTestId("endpoint-circuit")).ToHaveTextAsync("Closed (delivering)");
        Assert.Equal("CLOSED", (await _fixture.GraphQLAsync("query($id: ID!) { webhook(id: $id) { circuitState } }", new { id = hook }, api))
            .GetProperty("webhook").GetProperty("circuitState").GetString());
        await page.CloseAsync();
    }

    /// <summary>
    /// A bulk replay is a server job: counted first, confirmed, then followed live until done, or cancelled. Started
    /// here through a portal token that may replay but not manage, so the page also shows the one and hides the other.
    /// The fixture's server replays one delivery a second.
    /// </summary>
    [Fact]
    public async Task A_bulk_replay_counts_first_asks_then_shows_its_jobs_progress_until_done_or_cancelled()
    {
        _receiver.Handler = _ => Task.FromResult(Results.StatusCode(500));
        var hook = await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await _fixture.PublishAsync(_type));
        }
        foreach (var id in ids)
        {
            await _fixture.Api.WaitForStatusAsync(id, "failed");
        }

        var token = await _fixture.CreatePortalTokenAsync([hook], "REPLAY");
        var page = await _fixture.OpenAsync($"?token={token}&view=endpoints", signedIn: false);
        var card = page.Locator($"[data-testid='endpoint'][data-id='{hook}']");
        await Expect(card).ToBeVisibleAsync();
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Disable…" })).ToHaveCountAsync(0);
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" })).ToHaveCountAsync(0);
        await card.GetByRole(AriaRole.Button, new() { Name = "Replay failed…" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Replay failed deliveries?" });
        await Expect(dialog.GetByTestId("replay-count")).ToHaveTextAsync("4 deliveries will be delivered again.");

        _receiver.Handler = _ => Task.FromResult(Results.Ok("ok"));
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Replay 4" }).ClickAsync();
        await Expect(dialog.GetByTestId("replay-progress")).ToHaveTextAsync(new Regex("^Replaying: [0-3] of 4 redelivered"));
        await Expect(dialog.GetByTestId("replay-job")).ToHaveAttributeAsync("data-status", "COMPLETED");
        await Expect(dialog.GetByTestId("replay-progress")).ToHaveTextAsync("Done: 4 of 4 redelivered.");
        await Expect(page.GetByTestId("endpoints-message")).ToContainTextAsync("Replay done: 4 of 4");
        foreach (var id in ids)
        {
            await _fixture.Api.WaitForStatusAsync(id, "delivered");
        }
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        // The deliveries view's current filter, replayed as a job too, and cancelled under way.
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Deliveries" }).ClickAsync();
        await Expect(Rows(page)).ToHaveCountAsync(4);
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay these…" }).ClickAsync();
        var filtered = page.GetByRole(AriaRole.Dialog, new() { Name = "Replay the deliveries shown?" });
        await Expect(filtered.GetByTestId("replay-count")).ToHaveTextAsync("4 deliveries will be delivered again.");
        await filtered.GetByRole(AriaRole.Button, new() { Name = "Replay 4" }).ClickAsync();
        await Expect(filtered.GetByTestId("replay-progress")).ToHaveTextAsync(new Regex("^Replaying: [1-3] of 4 redelivered"));
        await filtered.GetByRole(AriaRole.Button, new() { Name = "Cancel replay" }).ClickAsync();
        await Expect(filtered.GetByTestId("replay-job")).ToHaveAttributeAsync("data-status", "CANCELLED");
        await Expect(filtered.GetByTestId("replay-progress")).ToHaveTextAsync(new Regex("^Cancelled: [1-3] of 4 redelivered"));
        await Expect(filtered.GetByRole(AriaRole.Button, new() { Name = "Cancel replay" })).ToHaveCountAsync(0);
        await AssertAccessibleAsync(page, "bulk replay dialog");
        await page.CloseAsync();
    }

    /// <summary>
    /// A customer's link: a read-only portal token for one webhook shows that webhook's deliveries and endpoint only,
    /// and no button its token may not use.
    /// </summary>
    [Fact]
    public async Task A_portal_token_scoped_to_one_webhook_shows_only_it_and_no_action_beyond_reading()
    {
        var other = await Receiver.StartAsync();
        await using var _ = other;
        var mine = await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        var theirs = await _fixture.CreateWebhookAsync(other.Url(), _type);
        var published = await _fixture.Api.PublishAsync(new { type = _type, data = new { amount = 1 } });
        var deliveries = published.GetProperty("deliveries").EnumerateArray()
            .ToDictionary(d => d.GetProperty("webhookId").GetString()!, d => d.GetProperty("id").GetString()!);
        await _fixture.Api.WaitForStatusAsync(deliveries[mine], "delivered");
        await _fixture.Api.WaitForStatusAsync(deliveries[theirs], "delivered");

        var token = await _fixture.CreatePortalTokenAsync([mine], "READ");
        var page = await _fixture.OpenAsync($"?token={token}&type={_type}", signedIn: false);
        await Expect(page.GetByTestId("caller-scope")).ToContainTextAsync("1 endpoint · view");
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).First).ToHaveAttributeAsync("data-id", deliveries[mine]);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Replay these…" })).ToHaveCountAsync(0);
        await Expect(page.GetByLabel("Webhook").Locator("option")).ToHaveTextAsync(["All webhooks", $"{_receiver.Url()} ({mine})"]);
        await AssertAccessibleAsync(page, "deliveries (portal token)");

        await Rows(page).First.GetByRole(AriaRole.Link).ClickAsync();
        var drawer = page.GetByRole(AriaRole.Dialog);
        await Expect(drawer.GetByTestId("attempt")).ToHaveCountAsync(1);
        await Expect(drawer.GetByRole(AriaRole.Button, new() { Name = "Replay delivery" })).ToHaveCountAsync(0);
        await Expect(drawer.GetByRole(AriaRole.Button, new() { Name = "Replay event" })).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Escape");

        // Asked for by address, the other webhook's delivery is not there.
        await page.GotoAsync(new Uri(_fixture.Server.BaseAddress, $"/inspector?delivery={deliveries[theirs]}").ToString());
        await Expect(page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Alert)).ToContainTextAsync($"No delivery {deliveries[theirs]} here.");
        await page.Keyboard.PressAsync("Escape");

        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Endpoints" }).ClickAsync();
        await Expect(page.GetByTestId("endpoint")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("endpoint").First).ToHaveAttributeAsync("data-id", mine);
        await Expect(page.GetByTestId("endpoint").First.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        Assert.DoesNotContain(other.Url(), await page.ContentAsync(), StringComparison.Ordinal);
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_health_charts_draw_the_periods_statistics_series_with_text_summaries()
    {
        var failing = await Receiver.StartAsync();
        await using var _ = failing;
        failing.Handler = _ => Task.FromResult(Results.StatusCode(500));
        await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        var bad = await _fixture.CreateWebhookAsync(failing.Url(), _type + ".bad");
        await _fixture.Api.WaitForStatusAsync(await _fixture.PublishAsync(_type), "delivered");
        await _fixture.Api.WaitForStatusAsync(await _fixture.PublishAsync(_type + ".bad"), "failed");

        // A token for the failing webhook alone: its series is that webhook's, so the numbers are this test's own.
        var token = await _fixture.CreatePortalTokenAsync([bad], "READ");
        var page = await _fixture.OpenAsync($"?token={token}&view=health&period=1h", signedIn: false);
        await Expect(page.GetByTestId("chart")).ToHaveCountAsync(5);
        await Expect(page.GetByTestId("chart").Locator("canvas")).ToHaveCountAsync(5);
        await Expect(page.GetByTestId("volume-summary")).ToContainTextAsync("In the last hour: 1 deliveries created, 0 delivered, 1 failed");
        await Expect(page.GetByTestId("errors-summary")).ToContainTextAsync("1 of 1 attempts failed (100.0%)");
        await Expect(page.GetByTestId("latency-summary")).ToContainTextAsync("p95 at most");
        await Expect(page.GetByTestId("classes-summary")).ToHaveTextAsync("Attempts by answer: 5xx: 1.");
        await Expect(page.GetByTestId("codes-summary")).ToHaveTextAsync("Failed attempts by failure code: HTTP_STATUS: 1.");

        await page.GetByLabel("Period").SelectOptionAsync("30d");
        Assert.Contains("period=30d", page.Url, StringComparison.Ordinal);
        await Expect(page.GetByTestId("volume-summary")).ToContainTextAsync("In the last 30 days: 1 deliveries created");
        await page.CloseAsync();
    }

    [Fact]
    public async Task Thousands_of_loaded_deliveries_keep_at_most_about_a_hundred_row_elements()
    {
        await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        const int count = 600;
        for (var i = 0; i < count; i += 50)
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => _fixture.PublishAsync(_type)));
        }
        var page = await _fixture.OpenAsync($"?type={_type}");
        var list = page.GetByTestId("delivery-list");
        const string shown = "parseInt(document.querySelector('[data-testid=list-status]')?.textContent ?? '', 10) || 0";
        // Functions, not expressions: the page's CSP forbids eval, which Playwright needs for an expression.
        await page.WaitForFunctionAsync($"() => {shown} > 0");
        var loaded = await page.EvaluateAsync<int>($"() => {shown}");
        while (loaded < count)
        {
            await list.EvaluateAsync("element => element.scrollTo(0, element.scrollHeight)");
            await page.WaitForFunctionAsync($"previous => {shown} > previous", loaded);
            loaded = await page.EvaluateAsync<int>($"() => {shown}");
        }
        Assert.Equal(count, loaded);
        Assert.InRange(await Rows(page).CountAsync(), 1, 100);

        const string focusedRow = "() => document.activeElement.closest('[data-index]')?.dataset.index";
        await Rows(page).First.GetByRole(AriaRole.Link).FocusAsync();
        await page.Keyboard.PressAsync("End");
        await page.WaitForFunctionAsync($"() => ({focusedRow})() === '{count - 1}'");
        await page.Keyboard.PressAsync("Home");
        await page.WaitForFunctionAsync($"() => ({focusedRow})() === '0'");
        await page.Keyboard.PressAsync("ArrowDown");
        await page.WaitForFunctionAsync($"() => ({focusedRow})() === '1'");
        Assert.InRange(await Rows(page).CountAsync(), 1, 100);

        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Heading, new() { Level = 2 })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        await page.WaitForFunctionAsync($"() => ({focusedRow})() === '1'");
        await page.CloseAsync();
        // The next test starts on a quiet dispatcher.
        await _receiver.WaitForCountAsync(count);
    }

    [Fact]
    public async Task Every_view_passes_an_accessibility_scan_in_light_and_dark_and_is_photographed()
    {
        var failing = await Receiver.StartAsync();
        await using var _ = failing;
        failing.Handler = _ => Task.FromResult(Results.Text("nope", statusCode: 500));
        await _fixture.CreateWebhookAsync(_receiver.Url(), _type);
        await _fixture.CreateWebhookAsync(failing.Url(), _type + ".bad");
        var ok = await _fixture.PublishAsync(_type);
        var bad = await _fixture.PublishAsync(_type + ".bad");
        await _fixture.Api.WaitForStatusAsync(ok, "delivered");
        await _fixture.Api.WaitForStatusAsync(bad, "failed");

        var views = new (string Name, string Query, Func<IPage, Task> Ready)[]
        {
            ("sign-in", "", page => Expect(page.GetByLabel("API key")).ToBeVisibleAsync()),
            ("deliveries", "", page => Expect(Rows(page).First).ToBeVisibleAsync()),
            ("delivery", $"delivery={bad}", page => Expect(page.GetByTestId("attempt")).ToHaveCountAsync(1)),
            ("endpoints", "view=endpoints", page => Expect(page.GetByTestId("endpoint").First).ToBeVisibleAsync()),
            ("health", "view=health", page => Expect(page.GetByTestId("chart").Locator("canvas")).ToHaveCountAsync(5)),
        };
        var problems = new List<string>();
        foreach (var theme in new[] { "light", "dark" })
        {
            foreach (var (name, query, ready) in views)
            {
                var page = await _fixture.OpenAsync($"?theme={theme}" + (query.Length > 0 ? "&" + query : ""), signedIn: name != "sign-in");
                await ready(page);
                await page.ScreenshotAsync(new() { Path = Path.Combine(_fixture.Artifacts, $"{name}-{theme}.png"), FullPage = true });
                problems.AddRange(await AxeProblemsAsync(page, $"{name} ({theme})"));
                await page.CloseAsync();
            }
        }
        var phone = await _fixture.OpenAsync("?theme=dark");
        await phone.SetViewportSizeAsync(390, 844);
        await Expect(Rows(phone).First).ToBeVisibleAsync();
        await phone.ScreenshotAsync(new() { Path = Path.Combine(_fixture.Artifacts, "deliveries-phone-dark.png") });
        problems.AddRange(await AxeProblemsAsync(phone, "deliveries (phone)"));
        await phone.CloseAsync();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
