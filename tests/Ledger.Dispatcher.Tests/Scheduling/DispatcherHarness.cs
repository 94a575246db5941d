using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Ledger.Dispatcher.Http;
using Ledger.Dispatcher.Scheduling;
using Ledger.Domain;
using Ledger.Domain.Wire;
using Ledger.EventStore;
using Ledger.EventStore.Cluster;
using Ledger.EventStore.Sqlite;
using Ledger.Keys;
using Microsoft.Extensions.Time.Testing;

namespace Ledger.Dispatcher.Tests.Scheduling;

/// <summary>
/// A <see cref="LaneDispatcher"/> on a real SQLite ledger with a fake clock, a sender whose every call the test
/// answers by hand, and leases the test hands out and takes away.
/// </summary>
internal sealed class DispatcherHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
    public const string Tenant = "acme";
    public const int MaxConcurrency = 4;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ledger-dispatcher-" + Guid.NewGuid().ToString("N"));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private int _events;

    public DispatcherHarness(int buckets = 1, IReadOnlyList<int>? retrySchedule = null, Func<IEventStore, IEventStore>? wrapStore = null)
    {
        Inner = SqliteEventStore.Open(Path.Combine(_directory, "ledger.db"));
        Store = wrapStore?.Invoke(Inner) ?? Inner;
        RetrySchedule = retrySchedule ?? [10, 60];
        Leases = new HandLeases(buckets);
        Webhooks.Add(Webhook("wh_1", Ordering.Fifo));
        Dispatcher = new LaneDispatcher(Store, new LedgerWorkIndex(Inner), Webhooks, Sender, new PlainSigner(), new DispatcherOptions { MaxConcurrency = MaxConcurrency }, Time, leases: Leases);
        Dispatcher.AttemptRecorded += r => Recorded.Writer.TryWrite(r);
        _running = Dispatcher.RunAsync(0, _stop.Token);
    }

    public SqliteEventStore Inner { get; }

    public IEventStore Store { get; }

    public IReadOnlyList<int> RetrySchedule { get; }

    public FakeTimeProvider Time { get; } = new(T0);

    public ScriptedSender Sender { get; } = new();

    public Directory Webhooks { get; } = new();

    public HandLeases Leases { get; }

    public LaneDispatcher Dispatcher { get; }

    public Channel<SendResult> Recorded { get; } = Channel.CreateUnbounded<SendResult>();

    public static WebhookState Webhook(string id, string ordering) => new(
        id, Tenant, $"http://127.0.0.1:9/{id}", ["*"], null, Profiles.Standard, "whsec_" + Convert.ToBase64String(new byte[32]), null, null,
        true, ordering, null, null, null, null, null, T0, T0, false);

    public static string Lane(string key, string webhookId = "wh_1") => Streams.Delivery(new WebhookId(webhookId), key);

    /// <summary>Publishes an event and enqueues its delivery on the key's lane, as publish and fan-out do; returns the delivery id.</summary>
    public async Task<string> EnqueueAsync(string key, string webhookId = "wh_1")
    {
        var n = Interlocked.Increment(ref _events);
        var eventId = $"evt_{n:D4}";
        var deliveryId = $"dlv_{n:D4}";
        var published = new EventPublished(eventId, "trade.executed", JsonDocument.Parse($$"""{"n":{{n}}}""").RootElement, null, null, key, T0, [new PlannedDelivery(deliveryId, webhookId)]);
        var result = await Inner.AppendAsync([new StreamAppend(Streams.Tenant(new TenantId(Tenant)), ExpectedVersion.Any, EventSerializer.ToNew(published, T0))]);
        var webhook = Webhooks.Find(webhookId)!;
        var enqueued = new DeliveryEnqueued(deliveryId, eventId, webhookId, Tenant, published.Type, result.LastPosition, webhook.Ordering, RetrySchedule, null, T0);
        await Inner.AppendAsync([new StreamAppend(Lane(key, webhookId), ExpectedVersion.Any, EventSerializer.ToNew(enqueued, T0, deliveryId))]);
        return deliveryId;
    }

    /// <summary>The lane's events as the ledger holds them.</summary>
    public async Task<IReadOnlyList<ILedgerEvent>> LaneAsync(string key, string webhookId = "wh_1") =>
        [.. (await Inner.ReadStreamAsync(Lane(key, webhookId))).Select(EventSerializer.Deserialize).OfType<ILedgerEvent>()];

    public async Task<SendResult> NextRecordedAsync() => await Recorded.Reader.ReadAsync(Timeouts.Token());

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }
        await Inner.DisposeAsync();
        _stop.Dispose();
        System.IO.Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A guard against a test hanging forever on a broken dispatcher: a signal never comes.</summary>
    public static class Timeouts
    {
        public static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
    }

    public sealed class Directory : IWebhookDirectory
    {
        private readonly ConcurrentDictionary<string, WebhookState> _webhooks = new(StringComparer.Ordinal);

        public event Action<WebhookState>? Changed;

        public WebhookState? Find(string webhookId) => _webhooks.GetValueOrDefault(webhookId);

        public void Add(WebhookState webhook)
        {
            _webhooks[webhook.WebhookId] = webhook;
            Changed?.Invoke(webhook);
        }
    }

    /// <summary>Signs with the secrets as the webhook state holds them (these tests store none sealed).</summary>
    private sealed class PlainSigner : IDeliverySigner
    {
        public ValueTask<WireRequest> RenderAsync(WebhookState webhook, EnvelopeInput e, DateTimeOffset attemptAt, CancellationToken cancellationToken) =>
            ValueTask.FromResult(WireProfiles.Get(webhook.Profile).Render(e, webhook.SigningSecrets(attemptAt), attemptAt));
    }

    /// <summary>The lanes with work, straight from the ledger (the read models' job in the server).</summary>
    private sealed class LedgerWorkIndex(IEventStore store) : ILaneWorkIndex
    {
        public async Task<IReadOnlyList<string>> LanesWithWorkAsync(long fence, CancellationToken cancellationToken)
        {
            var all = await store.ReadAllAsync(0, int.MaxValue, cancellationToken);
            return [.. all.Where(e => e.StreamId.StartsWith(Streams.DeliveryPrefix, StringComparison.Ordinal)).Select(e => e.StreamId).Distinct()];
        }
    }

    /// <summary>Leases the test gives and takes: every bucket is owned from the start.</summary>
    public sealed class HandLeases(int buckets) : IClusterLeases
    {
        private ILaneBucketOwner? _owner;

        public bool IsLeader => true;

        public int LaneBuckets => buckets;

        public int OwnedBuckets => buckets;

        public Task<CancellationToken> WaitForLeadershipAsync(CancellationToken cancellationToken) => Task.FromResult(CancellationToken.None);

        public void Attach(ILaneBucketOwner owner)
        {
            _owner = owner;
            for (var b = 0; b < buckets; b++)
            {
                owner.OnBucketAcquired(b);
            }
        }

        public void Lose(int bucket) => _owner!.OnBucketLost(bucket);

        public void Acquire(int bucket) => _owner!.OnBucketAcquired(bucket);

        public Task RunAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>A sender whose calls wait until the test answers each one.</summary>
internal sealed class ScriptedSender : IWebhookSender
{
    private readonly Channel<Call> _calls = Channel.CreateUnbounded<Call>();

    public Task<SendResult> SendAsync(SendRequest request, CancellationToken cancellationToken)
    {
        var call = new Call(request, cancellationToken);
        _calls.Writer.TryWrite(call);
        return call.Result.Task.WaitAsync(cancellationToken);
    }

    public async Task<Call> NextAsync() => await _calls.Reader.ReadAsync(DispatcherHarness.Timeouts.Token());

    /// <summary>Whether a call is waiting for an answer right now.</summary>
    public bool HasWaiting => _calls.Reader.Count > 0;

    public sealed class Call(SendRequest request, CancellationToken cancellationToken)
    {
        public SendRequest Request { get; } = request;

        public CancellationToken Cancelled { get; } = cancellationToken;

        public TaskCompletionSource<SendResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The delivery's event number, from the rendered body (<c>"n":N</c>).</summary>
        public int EventNumber => JsonDocument.Parse(Request.Body).RootElement.GetProperty("data").GetProperty("n").GetInt32();

        public void Ok(DateTimeOffset at) => Result.SetResult(new SendResult(200, null, null, "ok", 5, at, null));

        public void Fail(DateTimeOffset at) => Result.SetResult(new SendResult(500, FailureCodes.HttpStatus, "HTTP 500", "no", 5, at, null));
    }
}
