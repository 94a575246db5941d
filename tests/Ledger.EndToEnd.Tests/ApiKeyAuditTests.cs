using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ledger.EndToEnd.Tests;

/// <summary>
/// API key management (ids, list, create, revoke) and the audit trail of docs/audit.md, on a real server: who did what,
/// from where, for every mutating command, and what portal tokens and other tenants never see of it.
/// </summary>
public abstract class ApiKeyAuditTests<TStorage>(ServerFixture<TStorage> fixture) : IClassFixture<ServerFixture<TStorage>>
    where TStorage : IStorageChoice
{
    private LedgerServer Server => fixture.Server;

    [Fact]
    public async Task A_key_made_over_rest_is_listed_without_the_key_works_and_once_revoked_gets_401()
    {
        using var admin = Server.Client();
        var created = await (await admin.PostAsync("/v1/api-keys", null)).JsonAsync(201);
        var (id, key) = (created.Id(), created.GetProperty("key").GetString()!);
        using var client = Server.Client(key);
        await (await client.GetAsync("/v1/webhooks")).JsonAsync(200);

        var listText = await admin.GetStringAsync("/v1/api-keys");
        var listed = Assert.Single(JsonDocument.Parse(listText).RootElement.GetProperty("data").EnumerateArray(), k => k.Id() == id);
        Assert.StartsWith("ak_", id, StringComparison.Ordinal);
        Assert.Equal(key[..8], listed.GetProperty("prefix").GetString());
        Assert.Equal(JsonValueKind.String, listed.GetProperty("lastUsedAt").ValueKind);
        Assert.DoesNotContain(key, listText, StringComparison.Ordinal);
        Assert.False(listed.TryGetProperty("key", out _));
        Assert.Contains(JsonDocument.Parse(listText).RootElement.GetProperty("data").EnumerateArray(), k => k.GetProperty("prefix").GetString() == LedgerServer.ApiKey[..8]);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
        var refused = await (await client.GetAsync("/v1/webhooks")).JsonAsync(401);
        var again = await (await admin.DeleteAsync($"/v1/api-keys/{id}")).JsonAsync(404);

        Assert.Equal("UNAUTHENTICATED", refused.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("NOT_FOUND", again.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain(id, await admin.GetStringAsync("/v1/api-keys"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tenant_neither_sees_nor_revokes_another_tenants_keys_or_audit_trail()
    {
        using var admin = Server.Client();
        using var other = Server.Client(LedgerServer.OtherTenantKey);
        var created = await (await admin.PostAsync("/v1/api-keys", null)).JsonAsync(201);
        using var mine = Server.Client(created.GetProperty("key").GetString()!);
        await mine.CreateWebhookAsync(new { url = "http://127.0.0.1:9/isolated" });

        var refused = await (await other.DeleteAsync($"/v1/api-keys/{created.Id()}")).JsonAsync(404);

        Assert.Equal("NOT_FOUND", refused.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain(created.Id(), await other.GetStringAsync("/v1/api-keys"), StringComparison.Ordinal);
        Assert.DoesNotContain(created.Id(), await other.GetStringAsync("/v1/audit?limit=250"), StringComparison.Ordinal);
        Assert.Empty((await (await other.GetAsync($"/v1/audit?actor={created.Id()}")).JsonAsync(200)).GetProperty("data").EnumerateArray());
        await (await mine.GetAsync("/v1/webhooks")).JsonAsync(200);
    }

    [Fact]
    public async Task Every_mutating_command_shows_its_actor_and_ip_in_the_audit_trail()
    {
        using var admin = Server.Client();
        var made = await (await admin.PostAsync("/v1/api-keys", null)).JsonAsync(201);
        var actor = made.Id();
        using var client = Server.Client(made.GetProperty("key").GetString()!);
        await using var receiver = await Receiver.StartAsync();

        var webhook = (await client.CreateWebhookAsync(new { url = receiver.Url(), events = new[] { "audit.*" } })).Id();
        await client.PatchWebhookAsync(webhook, new { description = "renamed" });
        await client.PatchWebhookAsync(webhook, new { active = false });
        await client.PatchWebhookAsync(webhook, new { active = true });
        await (await client.PostAsync($"/v1/webhooks/{webhook}/rotate-secret", null)).JsonAsync(200);
        var published = await client.PublishAsync(new { type = "audit.test", data = new { } });
        var delivery = DeliveryTo(published, webhook);
        await client.WaitForStatusAsync(delivery, "delivered");
        await (await client.PostAsync($"/v1/deliveries/{delivery}/redeliver", null)).JsonAsync(202);
        await client.WaitForStatusAsync(delivery, "delivered");
        await (await client.PostAsync($"/v1/webhooks/events/{published.Id()}/redeliver", null)).JsonAsync(202);

        var broken = (await client.CreateWebhookAsync(new { url = "http://127.0.0.1:9/hook", events = new[] { "audit.fail" }, retrySchedule = new[] { 0, 0, 0, 0 } })).Id();
        var failing = DeliveryTo(await client.PublishAsync(new { type = "audit.fail", data = new { } }), broken);
        await client.WaitForStatusAsync(failing, "failed");
        await client.WaitForWebhookAsync(broken, w => w.GetProperty("circuitState").GetString() == "open", "the breaker to open");
        await (await client.ResetCircuitAsync(broken)).JsonAsync(200);
        var job = await GraphQLAsync(client, "mutation($id: ID!) { startReplay(input: { webhookId: $id, since: \"2000-01-01T00:00:00Z\" }) { id startedBy } }", new { id = broken });

        var token = await (await client.PostAsJsonAsync("/v1/portal-tokens", new { capabilities = new[] { "manage" }, expiresInSeconds = 600 })).JsonAsync(201);
        using var portal = Server.Client(token.GetProperty("token").GetString()!);
        await GraphQLAsync(portal, "mutation($id: ID!) { updateWebhook(id: $id, input: { description: \"by portal\" }) { id } }", new { id = webhook });
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/portal-tokens/{token.Id()}")).StatusCode);
        var second = await (await client.PostAsync("/v1/api-keys", null)).JsonAsync(201);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/api-keys/{second.Id()}")).StatusCode);
        (await client.GetAsync("/v1/exports/ledger")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/webhooks/{broken}")).StatusCode);

        var trail = await AuditAsync(client, $"actor={actor}");
        Assert.All(trail, e => Assert.Equal((actor, "127.0.0.1"), (e.GetProperty("actor").GetString(), e.GetProperty("ip").GetString())));
        // Redelivering the event also redelivers other tests' settled deliveries of it, if any: only this webhook's count here.
        var done = trail.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("subject").GetString()))
            .Where(e => e.Item1 != "delivery.redelivered" || e.Item2 == delivery).ToList();
        Assert.Equal(actor, job.GetProperty("startReplay").GetProperty("startedBy").GetString());
        Assert.Equal(
            [
                ("webhook.created", webhook), ("webhook.updated", webhook), ("webhook.disabled", webhook), ("webhook.enabled", webhook),
                ("webhook.secret-rotated", webhook), ("delivery.redelivered", delivery), ("delivery.redelivered", delivery),
                ("webhook.created", broken), ("webhook.circuit-reset", broken), ("replay.started", job.GetProperty("startReplay").Id()),
                ("portal-token.created", token.Id()), ("portal-token.revoked", token.Id()), ("api-key.created", second.Id()),
                ("api-key.revoked", second.Id()), ("export.requested", "ledger"), ("webhook.deleted", broken),
            ],
            Enumerable.Reverse(done));
        var byPortal = Assert.Single(await AuditAsync(client, $"actor={token.Id()}"));
        Assert.Equal(("webhook.updated", webhook, "127.0.0.1"), (byPortal.GetProperty("action").GetString(), byPortal.GetProperty("subject").GetString(), byPortal.GetProperty("ip").GetString()));
        Assert.Contains(await AuditAsync(admin, ""), e => e.GetProperty("action").GetString() == "api-key.created" && e.GetProperty("subject").GetString() == actor);
    }

    [Fact]
    public async Task A_portal_token_reads_neither_the_audit_trail_nor_actors_through_graphql()
    {
        using var admin = Server.Client();
        var webhook = (await admin.CreateWebhookAsync(new { url = "http://127.0.0.1:9/portal-audit" })).Id();
        await admin.PatchWebhookAsync(webhook, new { description = "seen by the operator" });
        var token = await (await admin.PostAsJsonAsync("/v1/portal-tokens", new { capabilities = new[] { "read", "replay" }, expiresInSeconds = 600 })).JsonAsync(201);
        using var portal = Server.Client(token.GetProperty("token").GetString()!);
        var operatorJob = (await GraphQLAsync(admin, "mutation($id: ID!) { startReplay(input: { webhookId: $id, since: \"2000-01-01T00:00:00Z\" }) { id } }", new { id = webhook }))
            .GetProperty("startReplay").Id();
        const string stream = "{ stream(id: \"tenant-default\", first: 1000) { type data } }";

        var refused = await (await portal.GetAsync("/v1/audit")).JsonAsync(401);
        var asOperator = (await GraphQLAsync(admin, stream)).GetProperty("stream").EnumerateArray().ToList();
        var asPortal = (await GraphQLAsync(portal, stream)).GetProperty("stream").EnumerateArray().ToList();
        var job = (await GraphQLAsync(portal, "query($id: ID!) { replayJob(id: $id) { startedBy } }", new { id = operatorJob })).GetProperty("replayJob");

        Assert.Equal("UNAUTHENTICATED", refused.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(asOperator, e => e.GetProperty("data").TryGetProperty("actor", out _) && e.GetProperty("data").TryGetProperty("ip", out _));
        Assert.Contains(asPortal, e => e.GetProperty("type").GetString() == "webhook.updated.v1");
        Assert.All(asPortal, e => Assert.False(e.GetProperty("data").TryGetProperty("actor", out _) || e.GetProperty("data").TryGetProperty("ip", out _), e.ToString()));
        Assert.Equal("hidden", job.GetProperty("startedBy").GetString());
    }

    [Fact]
    public async Task Keys_from_bootstrap_and_the_cli_keep_their_ids_across_restarts_and_revoked_ones_stay_revoked()
    {
        await using var server = await LedgerServer.StartAsync(TStorage.Kind);
        var before = await server.Client().GetStringAsync("/v1/api-keys");
        using (var other = server.Client(LedgerServer.OtherTenantKey))
        {
            var bootstrapped = (await (await other.GetAsync("/v1/api-keys")).JsonAsync(200)).GetProperty("data")[0].Id();
            Assert.Equal(HttpStatusCode.NoContent, (await other.DeleteAsync($"/v1/api-keys/{bootstrapped}")).StatusCode);
        }
        await server.KillAsync();
        var made = await LedgerServer.RunBinaryAsync(server.StorageSettings, "keys", "create", "--tenant", "default");
        await server.RestartAsync();
        using var admin = server.Client();

        var key = made.Output.Trim();
        var id = System.Text.RegularExpressions.Regex.Match(made.Errors, @"API key (ak_[0-9a-z]+) for tenant 'default'").Groups[1].Value;
        var after = (await (await admin.GetAsync("/v1/api-keys")).JsonAsync(200)).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(0, made.ExitCode);
        Assert.StartsWith("ak_", id, StringComparison.Ordinal);
        Assert.Equal(JsonDocument.Parse(before).RootElement.GetProperty("data").EnumerateArray().Select(k => k.Id()), after.Select(k => k.Id()).Where(k => k != id));
        Assert.Equal(key[..8], Assert.Single(after, k => k.Id() == id).GetProperty("prefix").GetString());
        using var withNewKey = server.Client(key);
        await (await withNewKey.GetAsync("/v1/webhooks")).JsonAsync(200);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
        await (await withNewKey.GetAsync("/v1/webhooks")).JsonAsync(401);
        // LEDGER_BOOTSTRAP_API_KEY still names the revoked key: the server started, and the key stays revoked.
        await (await server.Client(LedgerServer.OtherTenantKey).GetAsync("/v1/webhooks")).JsonAsync(401);
    }

    private static string DeliveryTo(JsonElement published, string webhookId) =>
        published.GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("webhookId").GetString() == webhookId).Id();

    private static async Task<List<JsonElement>> AuditAsync(HttpClient client, string query)
    {
        var entries = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await (await client.GetAsync($"/v1/audit?{query}&limit=5{(cursor is null ? "" : "&cursor=" + cursor)}")).JsonAsync(200);
            entries.AddRange(page.GetProperty("data").EnumerateArray().Select(e => e.Clone()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return entries;
    }

    private static async Task<JsonElement> GraphQLAsync(HttpClient client, string query, object? variables = null)
    {
        var answer = await (await client.PostAsJsonAsync("/graphql", new { query, variables })).JsonAsync(200);
        Assert.False(answer.TryGetProperty("errors", out var errors), errors.ToString());
        return answer.GetProperty("data");
    }
}

public sealed class ApiKeyAuditTestsOnSqlite(ServerFixture<OnSqlite> fixture) : ApiKeyAuditTests<OnSqlite>(fixture);

public sealed class ApiKeyAuditTestsOnPostgres(ServerFixture<OnPostgres> fixture) : ApiKeyAuditTests<OnPostgres>(fixture);
