using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Ledger.Bench;

/// <summary>
/// The ceiling: a tight <see cref="HttpClient"/> loop that signs and POSTs each prepared body with a fixed number
/// of requests in flight, nothing stored, nothing retried.
/// </summary>
public sealed class BaselineSender : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");

    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        ActivityHeadersPropagator = null,
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Sends every post with <paramref name="concurrency"/> in flight; returns the wall time and how many were not 2xx.</summary>
    public async Task<(TimeSpan Elapsed, int Failed)> SendAllAsync(Post[] posts, Func<int, byte[]> keyOf, int concurrency, TimeSpan cap)
    {
        var next = -1;
        var failed = 0;
        using var stop = new CancellationTokenSource(cap);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < posts.Length && !stop.IsCancellationRequested)
            {
                if (!await SendAsync(posts[i], keyOf(posts[i].Receiver), stop.Token))
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        return (clock.Elapsed, failed);
    }

    public async Task<bool> SendAsync(Post post, byte[] key, CancellationToken cancellationToken)
    {
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, post.Url) { Version = HttpVersion.Version11, Content = new ByteArrayContent(post.Body) };
            message.Content.Headers.ContentType = Json;
            Signing.AddHeaders(message, key, post.MessageId, post.Body);
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _client.Dispose();
}
