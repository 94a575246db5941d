using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ledger.Domain;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Dispatcher.Tests;

public sealed class WebhookSenderTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Answer_2xx_keeps_the_first_4_KiB_of_a_100_KiB_body()
    {
        var answer = Enumerable.Range(0, 100 * 1024).Select(i => (byte)('a' + (i % 26))).ToArray();
        await using var receiver = await TestReceiver.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 202;
            await context.Response.Body.WriteAsync(answer, context.RequestAborted);
        });
        using var sender = Senders.Create();

        var result = await sender.SendAsync(Senders.Request(receiver.Url("/hook")), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Null(result.FailureCode);
        Assert.Null(result.ErrorMessage);
        Assert.Equal(202, result.StatusCode);
        Assert.Equal(Encoding.ASCII.GetString(answer, 0, 4096), result.ResponseBody);
    }

    [Fact]
    public async Task Body_bytes_and_headers_arrive_exactly_as_given_and_nothing_else_of_ours()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"evt_1","data":{"name":"Zoë & <Ünïcødé> 💸","amount":"1e+21"}}""");
        KeyValuePair<string, string>[] headers =
        [
            new("webhook-id", "evt_1"),
            new("webhook-timestamp", "1767225600"),
            new("webhook-signature", "v1,abc= v1,def="),
        ];
        await using var receiver = await TestReceiver.AnsweringAsync(200);
        using var sender = Senders.Create();

        // An ambient trace must not leak into the receiver's headers.
        using var activity = new Activity("dispatch").Start();
        var result = await sender.SendAsync(Senders.Request(receiver.Url("/hooks/in?x=1"), body: body, headers: headers), CancellationToken.None);

        Assert.True(result.Succeeded);
        var received = Assert.Single(receiver.Requests);
        Assert.Equal("POST", received.Method);
        Assert.Equal("/hooks/in", received.Path);
        Assert.Equal(body, received.Body);
        Assert.Equal("application/json; charset=utf-8", received.Header("Content-Type"));
        Assert.Equal("Ledger-Tests/1.0", received.Header("User-Agent"));
        Assert.Equal("v1,abc= v1,def=", received.Header("webhook-signature"));
        Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), received.Header("Content-Length"));
        Assert.Equal(
            ["content-length", "content-type", "host", "user-agent", "webhook-id", "webhook-signature", "webhook-timestamp"],
            received.Headers.Select(h => h.Key.ToLowerInvariant()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Answer_500_is_HTTP_STATUS_with_the_code_and_the_body()
    {
        await using var receiver = await TestReceiver.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync("database is down", context.RequestAborted);
        });
        using var sender = Senders.Create();

        var result = await sender.SendAsync(Senders.Request(receiver.Url("/hook")), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(FailureCodes.HttpStatus, result.FailureCode);
        Assert.Equal(500, result.StatusCode);
        Assert.Equal("receiver answered 500", result.ErrorMessage);
        Assert.Equal("database is down", result.ResponseBody);
        Assert.Null(result.RetryAfter);
    }

    [Fact]
    public async Task Redirect_is_HTTP_STATUS_and_never_followed()
    {
        await using var receiver = await TestReceiver.StartAsync((context, _) =>
        {
            context.Response.StatusCode = context.Request.Path == "/start" ? 302 : 200;
            context.Response.Headers.Location = "/target";
            return Task.CompletedTask;
        });
        using var sender = Senders.Create();

        var result = await sender.SendAsync(Senders.Request(receiver.Url("/start")), CancellationToken.None);

        Assert.Equal(FailureCodes.HttpStatus, result.FailureCode);
        Assert.Equal(302, result.StatusCode);
        Assert.Equal("receiver answered 302", result.ErrorMessage);
        Assert.Equal(1, receiver.HitsTo("/start"));
        Assert.Equal(0, receiver.HitsTo("/target"));
    }

    [Fact]
    public async Task Receiver_that_never_answers_is_TIMEOUT_after_the_attempt_timeout()
    {
        await using var receiver = await TestReceiver.StartAsync((_, r) => r.Released);
        using var sender = Senders.Create();

        var result = await sender.SendAsync(Senders.Request(receiver.Url("/hook"), timeout: OneSecond), CancellationToken.None);

        Assert.Equal(FailureCodes.Timeout, result.FailureCode);
        Assert.Null(result.StatusCode);
        Assert.Equal("no answer within 1 s", result.ErrorMessage);
        Assert.InRange(result.DurationMs, 900, 4900);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task Answer_that_stalls_in_its_body_is_TIMEOUT_with_the_status()
    {
        await using var receiver = await TestReceiver.StartAsync(async (context, r) =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("partial", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await r.Released;
        });
        using var sender = Senders.Create();

        var result = await sender.SendAsync(Senders.Request(receiver.Url("/hook"), timeout: OneSecond), CancellationToken.None);

        Assert.Equal(FailureCodes.Timeout, result.FailureCode);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal("the answer did not complete within 1 s", result.ErrorMessage);
    }

    [Fact]
    public async Task Refused_connection_is_CONNECTION_FAILED()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var sender = Senders.Create();

        var result = await sender.SendAsync(Senders.Request(new Uri($"http://127.0.0.1:{port}/hook")), CancellationToken.None);

        Assert.Equal(FailureCodes.ConnectionFailed, result.FailureCode);
        Assert.Null(result.StatusCode);
        Assert.Equal("connection refused by the receiver", result.ErrorMessage);
    }

    [Fact]
    public async Task Connection_closed_without_an_answer_is_CONNECTION_FAILED()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var closer = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync();
            var buffer = new byte[4096];
            await connection.ReceiveAsync(buffer);
            connection.Shutdown(SocketShutdown.Both);
        });
        using var sender = Senders.Create();

        var result = await sender.SendAsync(Senders.Request(new Uri($"http://127.0.0.1:{port}/hook")), CancellationToken.None);
        await closer;

        Assert.Equal(FailureCodes.ConnectionFailed, result.FailureCode);
        Assert.Null(result.StatusCode);
        Assert.DoesNotContain("127.0.0.1", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_that_does_not_resolve_is_DNS_FAILURE()
    {
        // "invalid" names never resolve (RFC 6761), and the guard answers them without asking DNS.
        using var sender = Senders.Create(allowPrivateNetworks: false);

        var result = await sender.SendAsync(Senders.Request(new Uri("https://nonexistent.invalid/hook")), CancellationToken.None);

        Assert.Equal(FailureCodes.DnsFailure, result.FailureCode);
        Assert.Null(result.StatusCode);
        Assert.Equal("the host name could not be resolved", result.ErrorMessage);
    }

    [Fact]
    public async Task Resolver_failure_is_DNS_FAILURE()
    {
        using var sender = Senders.Create(resolveHost: (_, _) => throw new SocketException((int)SocketError.TryAgain));

        var result = await sender.SendAsync(Senders.Request(new Uri("http://flaky.example/hook")), CancellationToken.None);

        Assert.Equal(FailureCodes.DnsFailure, result.FailureCode);
    }

    [Fact]
    public async Task Private_destination_is_BLOCKED_and_never_reached()
    {
        await using var receiver = await TestReceiver.AnsweringAsync(200);
        using var sender = Senders.Create(allowPrivateNetworks: false, resolveHost: Senders.NoDns);

        var result = await sender.SendAsync(Senders.Request(receiver.Url("/hook")), CancellationToken.None);

        Assert.Equal(FailureCodes.BlockedDestination, result.FailureCode);
        Assert.Null(result.StatusCode);
        Assert.Equal("url points to a loopback address; set Ledger__Delivery__AllowPrivateNetworks=true to allow it", result.ErrorMessage);
        Assert.Empty(receiver.Requests);
    }

    [Theory]
    [InlineData("http://[::1]:9/hook")]
    [InlineData("http://[::ffff:127.0.0.1]:9/hook")]
    [InlineData("http://2130706433:9/hook")]
    [InlineData("http://localhost:9/hook")]
    [InlineData("http://app.localhost:9/hook")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    public async Task Refused_forms_are_BLOCKED_before_any_connection(string url)
    {
        using var sender = Senders.Create(allowPrivateNetworks: false, resolveHost: Senders.NoDns);

        var result = await sender.SendAsync(Senders.Request(new Uri(url)), CancellationToken.None);

        Assert.Equal(FailureCodes.BlockedDestination, result.FailureCode);
        Assert.EndsWith("set Ledger__Delivery__AllowPrivateNetworks=true to allow it", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_that_resolves_to_loopback_at_delivery_is_BLOCKED_and_never_reached()
    {
        await using var receiver = await TestReceiver.AnsweringAsync(200);
        using var sender = Senders.Create(allowPrivateNetworks: false, resolveHost: Senders.Hosts(("rebind.example", "127.0.0.1")));

        var result = await sender.SendAsync(
            Senders.Request(new Uri($"http://rebind.example:{receiver.BaseUri.Port}/hook")), CancellationToken.None);

        Assert.Equal(FailureCodes.BlockedDestination, result.FailureCode);
        Assert.Equal("url resolves to a loopback address; set Ledger__Delivery__AllowPrivateNetworks=true to allow it", result.ErrorMessage);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task Host_name_is_connected_at_the_address_the_guard_resolved()
    {
        await using var receiver = await TestReceiver.AnsweringAsync(204);
        using var sender = Senders.Create(resolveHost: Senders.Hosts(("receiver.example", "127.0.0.1")));
        var url = new Uri($"http://receiver.example:{receiver.BaseUri.Port}/hook");

        var result = await sender.SendAsync(Senders.Request(url), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Null(result.ResponseBody);
        Assert.Equal($"receiver.example:{receiver.BaseUri.Port}", Assert.Single(receiver.Requests).Header("Host"));
    }

    [Fact]
    public async Task Retry_After_in_seconds_on_429_is_reported()
    {
        await using var receiver = await TestReceiver.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "7";
            return Task.CompletedTask;
        });
        using var sender = Senders.Create();

        var result = await sender.SendAsync(Senders.Request(receiver.Url("/hook")), CancellationToken.None);

        Assert.Equal(FailureCodes.HttpStatus, result.FailureCode);
        Assert.Equal(429, result.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), result.RetryAfter);
    }

    [Fact]
    public async Task Retry_After_as_a_date_on_503_is_measured_from_the_time_provider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 4, 29, 12, 0, 0, TimeSpan.Zero));
        await using var receiver = await TestReceiver.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "Wed, 29 Apr 2026 12:02:00 GMT";
            return Task.CompletedTask;
        });
        using var sender = Senders.Create(timeProvider: time);

        var result = await sender.SendAsync(Senders.Request(receiver.Url("/hook")), CancellationToken.None);

        Assert.Equal(503, result.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(2), result.RetryAfter);
        Assert.Equal(time.GetUtcNow(), result.StartedAt);
    }

    [Fact]
    public async Task Retry_After_is_ignored_on_other_statuses()
    {
        await using var receiver = await TestReceiver.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 500;
            context.Response.Headers.RetryAfter = "7";
            return Task.CompletedTask;
        });
        using var sender = Senders.Create();

        var result = await sender.SendAsync(Senders.Request(receiver.Url("/hook")), CancellationToken.None);

        Assert.Equal(500, result.StatusCode);
        Assert.Null(result.RetryAfter);
    }

    [Fact]
    public async Task Untrusted_certificate_is_TLS_FAILURE()
    {
        using var certificate = TestReceiver.UntrustedCertificate();
        await using var receiver = await TestReceiver.StartAsync((_, _) => Task.CompletedTask, certificate);
        using var sender = Senders.Create();
        var url = new UriBuilder(receiver.BaseUri) { Scheme = Uri.UriSchemeHttps, Path = "/hook" }.Uri;

        var result = await sender.SendAsync(Senders.Request(url), CancellationToken.None);

        Assert.Equal(FailureCodes.TlsFailure, result.FailureCode);
        Assert.Equal("the TLS handshake with the receiver failed", result.ErrorMessage);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_throws_instead_of_recording_an_attempt()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await TestReceiver.StartAsync((_, r) =>
        {
            arrived.TrySetResult();
            return r.Released;
        });
        using var sender = Senders.Create();
        using var stopping = new CancellationTokenSource();

        var send = sender.SendAsync(Senders.Request(receiver.Url("/hook")), stopping.Token);
        await arrived.Task;
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
    }

    [Fact]
    public async Task Headers_the_sender_sets_itself_are_refused()
    {
        using var sender = Senders.Create();
        var request = Senders.Request(new Uri("http://127.0.0.1:9/hook"), headers: [new("Content-Type", "text/plain")]);

        await Assert.ThrowsAsync<ArgumentException>(() => sender.SendAsync(request, CancellationToken.None));
    }
}
