using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Ledger.Dispatcher.Destinations;
using Ledger.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Dispatcher.Http;

/// <summary>
/// Posts webhook attempts over one long-lived <see cref="SocketsHttpHandler"/> whose connections go through
/// <see cref="DestinationGuard.ConnectAsync"/>. Redirects are never followed (a 3xx is <c>HTTP_STATUS</c>), no
/// cookies, proxies, decompression or trace headers. Register it as a singleton.
/// </summary>
public sealed partial class WebhookSender : IWebhookSender, IDisposable
{
    /// <summary>How much of an answer is kept (docs/delivery-semantics.md).</summary>
    public const int KeptBodyBytes = 4 * 1024;

    /// <summary>How much of an answer is read at most; the rest is left unread and the connection closed.</summary>
    public const int MaxDrainedBytes = 1024 * 1024;

    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Content-Type", "User-Agent",
    };

    private readonly HttpClient _client;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <param name="guard">Decides, at every connect, which addresses may be reached.</param>
    /// <param name="timeProvider"><see cref="SendResult.StartedAt"/> and <see cref="SendResult.DurationMs"/> come from it; the attempt timeout is real time, since it bounds real I/O.</param>
    /// <param name="options">Connection settings; defaults when null.</param>
    /// <param name="logger">Failures are logged in full at debug level, since the recorded message is cut down.</param>
    public WebhookSender(
        DestinationGuard guard,
        TimeProvider timeProvider,
        WebhookSenderOptions? options = null,
        ILogger<WebhookSender>? logger = null)
        : this(CreateHandler(guard, options ?? new WebhookSenderOptions()), timeProvider, logger)
    {
    }

    internal WebhookSender(HttpMessageHandler handler, TimeProvider timeProvider, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
    }

    public async Task<SendResult> SendAsync(SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("Timeout must be positive", nameof(request));
        }

        HttpRequestMessage message;
        try
        {
            message = CreateMessage(request);
        }
        catch (UnsendableHeaderException ex)
        {
            // Only an event stored before its fields were validated can get here; nothing is sent, and the
            // delivery runs out its retries rather than holding its lane.
            LogFailure(_logger, request.Url.Host, FailureCodes.InvalidRequest, ex);
            return new SendResult(null, FailureCodes.InvalidRequest, ex.Message, null, 0, _timeProvider.GetUtcNow(), null);
        }

        using (message)
        {
            return await SendMessageAsync(message, request, cancellationToken);
        }
    }

    private async Task<SendResult> SendMessageAsync(HttpRequestMessage message, SendRequest request, CancellationToken cancellationToken)
    {
        var startedAt = _timeProvider.GetUtcNow();
        var started = _timeProvider.GetTimestamp();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(request.Timeout);

        int? status = null;
        TimeSpan? retryAfter = null;
        IReadOnlyList<HttpHeader>? responseHeaders = null;
        try
        {
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            status = (int)response.StatusCode;
            retryAfter = ReadRetryAfter(response);
            responseHeaders = ResponseHeaders.Keep(response);
            var body = await ReadBodyAsync(response.Content, attempt.Token);
            return status is >= 200 and <= 299
                ? Result(status, null, null, body)
                : Result(status, FailureCodes.HttpStatus, $"receiver answered {status}", body);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            // The attempt's timeout, or the handler's connect timeout.
            LogFailure(_logger, request.Url.Host, FailureCodes.Timeout, ex);
            var seconds = request.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            var what = status is null ? "no answer" : "the answer did not complete";
            return Result(status, FailureCodes.Timeout, $"{what} within {seconds} s", null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            var (code, text) = Classify(ex, answered: status is not null);
            LogFailure(_logger, request.Url.Host, code, ex);
            return Result(status, code, text, null);
        }

        SendResult Result(int? statusCode, string? failureCode, string? errorMessage, string? body)
        {
            var elapsed = _timeProvider.GetElapsedTime(started).TotalMilliseconds;
            var durationMs = (int)Math.Clamp(Math.Round(elapsed), 0, int.MaxValue);
            return new SendResult(statusCode, failureCode, errorMessage, body, durationMs, startedAt, retryAfter) { ResponseHeaders = responseHeaders };
        }
    }

    public void Dispose() => _client.Dispose();

    internal static SocketsHttpHandler CreateHandler(DestinationGuard guard, WebhookSenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(options);
        return new SocketsHttpHandler
        {
            ConnectCallback = guard.ConnectAsync,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = options.PooledConnectionLifetime,
            MaxConnectionsPerServer = options.MaxConnectionsPerServer,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,

            // A proxy would be connected to instead of the receiver, and the guard would check the proxy.
            UseProxy = false,
            PreAuthenticate = false,
            Credentials = null,

            // No traceparent or baggage headers: the receiver gets the profile's headers and nothing of ours.
            ActivityHeadersPropagator = null,

            // An answer is drained by ReadBodyAsync up to its cap; past that, close rather than read on in the background.
            MaxResponseDrainSize = 0,
        };
    }

    private static HttpRequestMessage CreateMessage(SendRequest request)
    {
        if (!request.Url.IsAbsoluteUri || (request.Url.Scheme != Uri.UriSchemeHttp && request.Url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("Url must be an absolute http(s) url", nameof(request));
        }

        var content = new ByteArrayContent(request.Body);
        var message = new HttpRequestMessage(HttpMethod.Post, request.Url)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = content,
        };

        try
        {
            AddHeader(content.Headers, "Content-Type", request.ContentType);
            AddHeader(message.Headers, "User-Agent", request.UserAgent);
            foreach (var (name, value) in request.Headers)
            {
                if (ReservedHeaders.Contains(name))
                {
                    throw new ArgumentException($"header {name} is set by the sender", nameof(request));
                }

                AddHeader(message.Headers, name, value);
            }

            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Adds one header through the API that validates it (it refuses CR and LF, which would end the header and start
    /// another, or a second request), after a stricter check of our own: printable ASCII only, so neither NUL nor any
    /// other control character reaches the receiver, whatever a profile puts in a header now or later.
    /// </summary>
    private static void AddHeader(HttpHeaders headers, string name, string value)
    {
        if (!IsPrintableAscii(value))
        {
            throw new UnsendableHeaderException(name);
        }

        try
        {
            headers.Add(name, value);
        }
        catch (FormatException)
        {
            throw new UnsendableHeaderException(name);
        }
    }

    internal static bool IsPrintableAscii(string value) => value.All(c => c is >= '\x20' and <= '\x7E');

    private TimeSpan? ReadRetryAfter(HttpResponseMessage response)
    {
        if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            || response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        var wait = retryAfter.Delta ?? retryAfter.Date - _timeProvider.GetUtcNow();
        return wait is { } w && w < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    /// <summary>Reads the answer to its end (at most <see cref="MaxDrainedBytes"/>) and keeps its first <see cref="KeptBodyBytes"/>.</summary>
    internal static async Task<string?> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var kept = new byte[KeptBodyBytes];
        var keptLength = 0;
        var total = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (total < MaxDrainedBytes)
            {
                var want = Math.Min(buffer.Length, MaxDrainedBytes - total);
                var read = await stream.ReadAsync(buffer.AsMemory(0, want), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                var copy = Math.Min(read, KeptBodyBytes - keptLength);
                buffer.AsSpan(0, copy).CopyTo(kept.AsSpan(keptLength));
                keptLength += copy;
                total += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return keptLength == 0 ? null : DecodeBody(kept.AsSpan(0, keptLength), truncated: total > keptLength);
    }

    /// <summary>
    /// UTF-8 with invalid bytes replaced by U+FFFD. A character cut by the 4 KiB limit is dropped rather than
    /// replaced, and NUL becomes U+FFFD too: PostgreSQL text and jsonb cannot hold it.
    /// </summary>
    internal static string DecodeBody(ReadOnlySpan<byte> bytes, bool truncated)
    {
        if (truncated)
        {
            bytes = bytes[..CompleteUtf8Length(bytes)];
        }

        return Encoding.UTF8.GetString(bytes).Replace('\0', '\uFFFD');
    }

    private static int CompleteUtf8Length(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? bytes.Length - back : bytes.Length;
        }

        return bytes.Length;
    }

    /// <summary>Maps a failure to its code and a message fit to show: our own words, never the exception's, which name addresses.</summary>
    internal static (string Code, string Message) Classify(Exception exception, bool answered)
    {
        if (Find<BlockedDestinationException>(exception) is { } blocked)
        {
            return (FailureCodes.BlockedDestination, blocked.Message);
        }

        if (Find<AuthenticationException>(exception) is not null
            || exception is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
        {
            return (FailureCodes.TlsFailure, "the TLS handshake with the receiver failed");
        }

        if (Find<SocketException>(exception) is { } socket)
        {
            switch (socket.SocketErrorCode)
            {
                case SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain or SocketError.NoRecovery:
                    return (FailureCodes.DnsFailure, "the host name could not be resolved");
                case SocketError.ConnectionRefused:
                    return (FailureCodes.ConnectionFailed, "connection refused by the receiver");
                case SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown:
                    return (FailureCodes.ConnectionFailed, answered
                        ? "the receiver reset the connection while answering"
                        : "the receiver reset the connection");
                case SocketError.TimedOut:
                    return (FailureCodes.Timeout, "the connection to the receiver timed out");
                case SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown:
                    return (FailureCodes.ConnectionFailed, "the receiver's network is unreachable");
                default:
                    break;
            }
        }

        var error = (exception as HttpRequestException)?.HttpRequestError ?? (exception as HttpIOException)?.HttpRequestError;
        return error switch
        {
            HttpRequestError.NameResolutionError => (FailureCodes.DnsFailure, "the host name could not be resolved"),
            HttpRequestError.ResponseEnded => (FailureCodes.ConnectionFailed, answered
                ? "the receiver closed the connection while answering"
                : "the receiver closed the connection without answering"),
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError =>
                (FailureCodes.ConnectionFailed, "the receiver's answer is not valid HTTP"),
            HttpRequestError.ConfigurationLimitExceeded =>
                (FailureCodes.ConnectionFailed, "the receiver's answer headers are too large"),
            _ when answered => (FailureCodes.ConnectionFailed, "the connection failed while reading the answer"),
            _ => (FailureCodes.ConnectionFailed, "could not connect to the receiver"),
        };
    }

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook attempt to {Host} failed with {FailureCode}")]
    private static partial void LogFailure(ILogger logger, string host, string failureCode, Exception exception);
}
