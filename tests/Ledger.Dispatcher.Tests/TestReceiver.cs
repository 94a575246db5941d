using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Ledger.Dispatcher.Tests;

/// <summary>A request as the receiver saw it.</summary>
internal sealed record ReceivedRequest(string Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>
/// A real Kestrel receiver on 127.0.0.1 and a free port. Every request is recorded with its body before the
/// test's handler answers it. Handlers that hold a request wait on <see cref="Released"/>, which completes when
/// the receiver is disposed, so no request outlives the test.
/// </summary>
internal sealed class TestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();

    private TestReceiver(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUri { get; private set; } = null!;

    public Task Released => _released.Task;

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    public int HitsTo(string path) => _requests.Count(r => r.Path == path);

    public Uri Url(string path) => new(BaseUri, path);

    public static async Task<TestReceiver> StartAsync(Func<HttpContext, TestReceiver, Task> respond, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));

        var app = builder.Build();
        var receiver = new TestReceiver(app);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var headers = context.Request.Headers
                .SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? "")))
                .ToList();
            receiver._requests.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path, headers, body.ToArray()));
            await respond(context, receiver);
        });

        await app.StartAsync();
        receiver.BaseUri = new Uri(app.Urls.Single());
        return receiver;
    }

    /// <summary>Answers every request with <paramref name="status"/>.</summary>
    public static Task<TestReceiver> AnsweringAsync(int status) =>
        StartAsync((context, _) =>
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        });

    /// <summary>A self-signed certificate no client trusts.</summary>
    public static X509Certificate2 UntrustedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
    }

    public async ValueTask DisposeAsync()
    {
        _released.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
