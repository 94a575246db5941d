using Ledger.Domain;
using Ledger.EventStore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ledger.Dispatcher.Policies;

/// <summary>
/// The delivery policies of docs/delivery-semantics.md around the dispatcher: the circuit breaker, auto-disable and the rate limit
/// of each webhook. The dispatcher asks before it sends a due delivery (<see cref="Admit"/>) and reports every
/// outcome it appended (<see cref="ReportAsync"/>); the policies follow the ledger for what other instances do.
/// <para>
/// Counts (consecutive failed attempts, consecutive terminal failures, attempts in the window) come from lane
/// events in ledger order, so every instance folds the same counts. Transitions are decided by the pure deciders and
/// appended to <c>webhook-{id}</c> with its expected version: when two instances decide the same transition one
/// append wins, the other reloads the stream and decides again on what it now knows (usually: nothing to do).
/// </para>
/// </summary>
public sealed class DeliveryPolicies(
    IEventStore store,
    Func<string, WebhookState?> findWebhook,
    Scheduling.DispatcherOptions options,
    TimeProvider time,
    ILogger<DeliveryPolicies>? logger = null)
{
    private static readonly HashSet<string> OutcomeTypes =
    [
        EventCatalog.NameOf(typeof(AttemptSucceeded)), EventCatalog.NameOf(typeof(AttemptFailed)),
        EventCatalog.NameOf(typeof(DeliveryCompleted)), EventCatalog.NameOf(typeof(DeliveryFailed)),
    ];

    private readonly ILogger _logger = logger ?? NullLogger<DeliveryPolicies>.Instance;
    private readonly BreakerSettings _breaker = options.Breaker.ToSettings();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, WebhookHealth> _health = new(StringComparer.Ordinal);

    /// <summary>Positions of lane events already applied from a report, which the follower passes over once.</summary>
    private readonly HashSet<long> _reported = [];

    private CancellationToken _stopping;

    /// <summary>The last ledger position the follower has taken on (guarded by the gate).</summary>
    private long _followed;

    /// <summary>The last ledger position the follower has finished with, transitions included.</summary>
    private readonly PositionSignal _observed = new();

    /// <summary>A webhook's deliveries may go on (or must look again): its breaker, disabling or state changed.</summary>
    public event Action<string>? Changed;

    /// <summary>Follows the ledger: transitions on <c>webhook-{id}</c> and the outcomes of every instance's attempts.</summary>
    public async Task RunAsync(long startPosition, CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        lock (_gate)
        {
            _followed = startPosition;
        }
        _observed.Advance(startPosition);
        var position = startPosition;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<StoredEvent> batch;
            try
            {
                batch = await store.ReadAllAsync(position, 1000, cancellationToken);
                if (batch.Count == 0)
                {
                    await store.WaitForEventsAsync(position, cancellationToken);
                    continue;
                }
                foreach (var stored in batch)
                {
                    await FollowAsync(stored, cancellationToken);
                    _observed.Advance(stored.Position);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "Following the ledger for delivery policies after {Position} failed; retrying", position);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                continue;
            }
            position = batch[^1].Position;
        }
    }

    /// <summary>
    /// Before a due delivery is sent: may it go now? Otherwise it waits until <see cref="Admission.Until"/> (or until
    /// <see cref="Changed"/>), and when the wait is a pause of an open breaker the lane records it once per opening.
    /// A webhook that is gone is the dispatcher's to settle, so it goes.
    /// </summary>
    public Admission Admit(string streamId, LaneDelivery delivery, DateTimeOffset now)
    {
        var webhook = findWebhook(delivery.WebhookId);
        if (webhook is null || webhook.Deleted)
        {
            return Admission.Go;
        }
        lock (_gate)
        {
            if (!_health.TryGetValue(webhook.WebhookId, out var health))
            {
                _health[webhook.WebhookId] = health = new WebhookHealth(webhook.WebhookId);
                _ = LoadInBackgroundAsync(health);
                return Admission.WaitForChange;
            }
            if (!health.Loaded)
            {
                return Admission.WaitForChange;
            }
            if (IsDisabled(webhook, health))
            {
                return Admission.WaitForChange;
            }
            var breaker = CircuitBreaker.Admit(health.Breaker, streamId, delivery.DeliveryId, _breaker, now);
            if (breaker.Kind == AdmissionKind.ClaimProbe)
            {
                if (!health.Claiming)
                {
                    health.Claiming = true;
                    _ = ClaimProbeAsync(health, streamId, delivery.DeliveryId);
                }
                return Admission.WaitForChange;
            }
            if (breaker.Kind == AdmissionKind.Wait)
            {
                return breaker;
            }
            var limit = RateLimit.PerMinute(webhook.Profile, webhook.RateLimitPerMinute);
            if (limit is null)
            {
                return Admission.Go;
            }
            health.Window = RateLimit.Prune(health.Window, now);
            var rate = RateLimit.Admit(health.Window, limit, now);
            if (rate.Kind == AdmissionKind.Go)
            {
                health.Window = RateLimit.Record(health.Window, delivery.DeliveryId, delivery.Attempts + 1, now, now);
            }
            return rate;
        }
    }

    /// <summary>
    /// An admitted attempt goes on the wire (or its answer is in) at <paramref name="at"/>: the rate limit counts it
    /// from then on, since it may have waited for a concurrency slot after its admission.
    /// </summary>
    public void Sending(LaneDelivery delivery, DateTimeOffset at)
    {
        if (findWebhook(delivery.WebhookId) is not { } webhook || RateLimit.PerMinute(webhook.Profile, webhook.RateLimitPerMinute) is null)
        {
            return;
        }
        lock (_gate)
        {
            if (_health.TryGetValue(webhook.WebhookId, out var health))
            {
                health.Window = RateLimit.Restamp(RateLimit.Prune(health.Window, at), delivery.DeliveryId, delivery.Attempts + 1, at, at);
            }
        }
    }

    /// <summary>After the dispatcher appended outcomes to a lane: counts them and appends the transitions they cause.</summary>
    public async Task ReportAsync(string streamId, IReadOnlyList<ILedgerEvent> appended, StreamAppendResult? result)
    {
        if (Streams.WebhookOfLane(streamId) is not { } webhook)
        {
            return;
        }
        var fresh = new List<ILedgerEvent>(appended.Count);
        long followedAlready = 0;
        lock (_gate)
        {
            for (var i = 0; i < appended.Count; i++)
            {
                var position = result is null ? 0 : result.FirstPosition + i;
                if (result is null || position > _followed)
                {
                    if (result is not null)
                    {
                        _reported.Add(position);
                    }
                    fresh.Add(appended[i]);
                }
                else
                {
                    followedAlready = position;
                }
            }
        }
        try
        {
            // The follower got to some of these first: the lane goes on only once their transitions are decided.
            await _observed.WaitAsync(followedAlready, _stopping);
            await ObserveAsync(webhook.Value, fresh, _stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            // The outcome is in the ledger; the next outcome of this webhook decides again on the counts.
            _logger.LogWarning(ex, "Applying delivery policies to an outcome of webhook {WebhookId} failed", webhook.Value);
        }
    }

    private async Task FollowAsync(StoredEvent stored, CancellationToken cancellationToken)
    {
        if (stored.StreamId.StartsWith(Streams.WebhookPrefix, StringComparison.Ordinal))
        {
            await FollowWebhookStreamAsync(stored, cancellationToken);
        }
        else if (OutcomeTypes.Contains(stored.Type) && Streams.WebhookOfLane(stored.StreamId) is { } webhook)
        {
            bool reported;
            lock (_gate)
            {
                reported = _reported.Remove(stored.Position);
                _followed = stored.Position;
            }
            if (!reported && EventSerializer.Deserialize(stored) is { } e)
            {
                await ObserveAsync(webhook.Value, [e], cancellationToken);
            }
            return;
        }
        lock (_gate)
        {
            _followed = stored.Position;
        }
    }

    private async Task FollowWebhookStreamAsync(StoredEvent stored, CancellationToken cancellationToken)
    {
        var webhookId = stored.StreamId[Streams.WebhookPrefix.Length..];
        var reload = false;
        WebhookHealth? health;
        lock (_gate)
        {
            if (!_health.TryGetValue(webhookId, out health))
            {
                return;
            }
            if (!health.Loaded)
            {
                health.Stale = true;
                return;
            }
            // An event at or below the version is applied already, by the catch-up after an append of this instance
            // lost to it, which woke no lane: it wakes them here, on every instance, whoever appended it.
            if (stored.Version == health.Version + 1 && EventSerializer.Deserialize(stored) is { } e)
            {
                health.ApplyStreamEvent(e);
            }
            else if (stored.Version > health.Version)
            {
                reload = true;
            }
        }
        if (reload)
        {
            await CatchUpStreamAsync(health, cancellationToken);
        }
        Changed?.Invoke(webhookId);
    }

    /// <summary>Applies lane outcomes to a webhook's counts, then appends the transitions they call for.</summary>
    private async Task ObserveAsync(string webhookId, IReadOnlyList<ILedgerEvent> events, CancellationToken cancellationToken)
    {
        var health = await EnsureLoadedAsync(webhookId, cancellationToken);
        foreach (var e in events)
        {
            var now = time.GetUtcNow();
            Func<WebhookHealth, IReadOnlyList<ILedgerEvent>>? decide = null;
            lock (_gate)
            {
                health.Breaker = CircuitBreaker.Evolve(health.Breaker, e);
                health.Disable = AutoDisable.Evolve(health.Disable, e);
                switch (e)
                {
                    case AttemptSucceeded x:
                        RecordInWindow(health, x.DeliveryId, x.AttemptNumber, x.StartedAt, now);
                        decide = h => CircuitBreaker.AfterAttempt(h.Breaker, webhookId, x.DeliveryId, succeeded: true, _breaker, time.GetUtcNow());
                        break;
                    case AttemptFailed x:
                        RecordInWindow(health, x.DeliveryId, x.AttemptNumber, x.StartedAt, now);
                        decide = h => CircuitBreaker.AfterAttempt(h.Breaker, webhookId, x.DeliveryId, succeeded: false, _breaker, time.GetUtcNow());
                        break;
                    case DeliveryFailed x:
                        decide = h => findWebhook(webhookId) is { Deleted: false, Active: true } webhook && !IsDisabled(webhook, h)
                            ? AutoDisable.AfterFailure(h.Disable, webhookId, x.Reason, AutoDisable.Threshold(webhook.Profile, webhook.DisableAfterConsecutiveFailures, options.DisableAfterConsecutiveFailures), time.GetUtcNow())
                            : [];
                        break;
                }
            }
            if (decide is not null)
            {
                await TransitionAsync(health, decide, cancellationToken);
            }
        }
    }

    private void RecordInWindow(WebhookHealth health, string deliveryId, int attemptNumber, DateTimeOffset startedAt, DateTimeOffset now)
    {
        if (findWebhook(health.WebhookId) is { } webhook && RateLimit.PerMinute(webhook.Profile, webhook.RateLimitPerMinute) is not null)
        {
            health.Window = RateLimit.Record(RateLimit.Prune(health.Window, now), deliveryId, attemptNumber, startedAt, now);
        }
    }

    /// <summary>
    /// Decides on the webhook's current state and appends to <c>webhook-{id}</c> with its expected version; on a
    /// conflict (another instance moved it) reads what it missed and decides again.
    /// </summary>
    private async Task TransitionAsync(WebhookHealth health, Func<WebhookHealth, IReadOnlyList<ILedgerEvent>> decide, CancellationToken cancellationToken)
    {
        await health.Transitions.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; attempt < 10; attempt++)
            {
                IReadOnlyList<ILedgerEvent> decided;
                long version;
                lock (_gate)
                {
                    decided = decide(health);
                    version = health.Version;
                }
                if (decided.Count == 0)
                {
                    return;
                }
                var now = time.GetUtcNow();
                try
                {
                    await store.AppendAsync(
                        [new StreamAppend(Streams.WebhookPrefix + health.WebhookId, version < 0 ? ExpectedVersion.NoStream : ExpectedVersion.At(version), [.. decided.Select(e => EventSerializer.ToNew(e, now))])],
                        cancellationToken);
                }
                catch (WrongExpectedVersionException)
                {
                    await CatchUpStreamAsync(health, cancellationToken);
                    continue;
                }
                lock (_gate)
                {
                    if (health.Version == version)
                    {
                        foreach (var e in decided)
                        {
                            health.ApplyStreamEvent(e);
                        }
                    }
                }
                foreach (var e in decided)
                {
                    _logger.LogInformation("Webhook {WebhookId}: {Transition}", health.WebhookId, EventCatalog.NameOf(e));
                }
                Changed?.Invoke(health.WebhookId);
                return;
            }
        }
        finally
        {
            health.Transitions.Release();
        }
    }

    private async Task ClaimProbeAsync(WebhookHealth health, string streamId, string deliveryId)
    {
        try
        {
            await TransitionAsync(health, h => CircuitBreaker.ClaimProbe(h.Breaker, h.WebhookId, streamId, deliveryId, _breaker, time.GetUtcNow()), _stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "Claiming the probe of webhook {WebhookId} failed; it is tried again", health.WebhookId);
            await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                health.Claiming = false;
            }
        }
        Changed?.Invoke(health.WebhookId);
    }

    private async Task<WebhookHealth> EnsureLoadedAsync(string webhookId, CancellationToken cancellationToken)
    {
        WebhookHealth? health;
        lock (_gate)
        {
            if (_health.TryGetValue(webhookId, out health) && health.Loaded)
            {
                return health;
            }
            if (health is null)
            {
                _health[webhookId] = health = new WebhookHealth(webhookId);
            }
        }
        await CatchUpStreamAsync(health, cancellationToken);
        // Lanes asked while the stream was being read wait for it.
        Changed?.Invoke(webhookId);
        return health;
    }

    private async Task LoadInBackgroundAsync(WebhookHealth health)
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await CatchUpStreamAsync(health, _stopping);
                break;
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "Reading the stream of webhook {WebhookId} failed; retrying", health.WebhookId);
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        Changed?.Invoke(health.WebhookId);
    }

    /// <summary>Reads the webhook stream past what is applied, until no event went by unread meanwhile.</summary>
    private async Task CatchUpStreamAsync(WebhookHealth health, CancellationToken cancellationToken)
    {
        while (true)
        {
            long from;
            lock (_gate)
            {
                health.Stale = false;
                from = health.Version + 1;
            }
            var events = await store.ReadStreamAsync(Streams.WebhookPrefix + health.WebhookId, from, int.MaxValue, cancellationToken);
            lock (_gate)
            {
                foreach (var stored in events)
                {
                    if (stored.Version == health.Version + 1 && EventSerializer.Deserialize(stored) is { } e)
                    {
                        health.ApplyStreamEvent(e);
                    }
                }
                if (!health.Stale)
                {
                    health.Loaded = true;
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Disabled: inactive in its configuration, or disabled by Ledger and not enabled since (an update after the
    /// disabling enables it again, which also starts the count of terminal failures afresh). Under the gate.
    /// </summary>
    private static bool IsDisabled(WebhookState webhook, WebhookHealth health)
    {
        if (health.Disable.DisabledAt is { } disabledAt && webhook.Active && webhook.UpdatedAt > disabledAt)
        {
            health.Disable = AutoDisable.Enable(health.Disable);
        }
        return !webhook.Active || health.Disable.IsDisabled;
    }
}
