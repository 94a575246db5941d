using System.Threading.Channels;
using Ledger.Dispatcher.Http;
using Ledger.Dispatcher.Policies;
using Ledger.Domain;
using Microsoft.Extensions.Logging;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>
/// Runs attempts: a due delivery waits in a queue until a concurrency slot is free (so a backlog costs a queue
/// entry, not a parked task), is rendered, signed and sent, and its outcome is appended to its lane before it
/// counts. The two moments delivery policies hook into are <see cref="Admit"/> (before a due head is sent) and
/// <see cref="OnOutcomeRecorded"/> (after its outcome is in the ledger).
/// </summary>
internal sealed class AttemptRunner(
    EventBodyCache events,
    DeliveryRenderer renderer,
    IWebhookSender sender,
    LaneRecorder recorder,
    DispatcherOptions options,
    TimeProvider time,
    ILogger logger,
    DeliveryPolicies? policies = null)
{
    private readonly Channel<PendingAttempt> _queue = Channel.CreateUnbounded<PendingAttempt>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _slots = new(options.MaxConcurrency, options.MaxConcurrency);
    private int _inFlight;

    /// <summary>Attempts being sent right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Called after every attempt is recorded (for metrics).</summary>
    public event Action<SendResult>? AttemptRecorded;

    /// <summary>
    /// Whether a due lane head may be sent now (called under the lane cache's gate: decide from memory, quickly).
    /// A disabled webhook pauses its lanes until it is enabled again.
    /// </summary>
    public Admission Admit(string streamId, LaneDelivery delivery, WebhookState? webhook, DateTimeOffset now)
    {
        if (policies is null)
        {
            return webhook is { Deleted: false, Active: false } ? Admission.Wait() : Admission.Go;
        }
        var decided = policies.Admit(streamId, delivery, now);
        if (decided.Kind == AdmissionKind.Go)
        {
            return Admission.Go;
        }
        if (decided is { PauseFor: { } openedAt, Until: { } resumeAt } && delivery.PausedFor != openedAt)
        {
            // An open breaker: the lane records the pause, once per opening (not under the lane cache's gate).
            var id = delivery.DeliveryId;
            _ = Task.Run(() => RecordPauseAsync(streamId, id, openedAt, resumeAt), CancellationToken.None);
        }
        return Admission.Wait(decided.Until);
    }

    private async Task RecordPauseAsync(string streamId, string deliveryId, DateTimeOffset openedAt, DateTimeOffset resumeAt)
    {
        try
        {
            await recorder.RecordAsync(streamId, deliveryId, state => DeliveryLane.Pause(state, deliveryId, openedAt, resumeAt, time.GetUtcNow()), CancellationToken.None);
        }
        catch (Exception) when (policies is not null)
        {
            // The pause is what a delivery's history shows; the lane waits whether or not it is recorded, and the next look tries again.
        }
    }

    public void Enqueue(PendingAttempt attempt) => _queue.Writer.TryWrite(attempt);

    /// <summary>Starts queued attempts as slots free up, each through <paramref name="guarded"/>, until cancelled.</summary>
    public async Task RunAsync(Func<PendingAttempt, Func<Task>, Task> guarded, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _slots.WaitAsync(cancellationToken);
            PendingAttempt next;
            try
            {
                next = await _queue.Reader.ReadAsync(cancellationToken);
            }
            catch
            {
                _slots.Release();
                throw;
            }
            _ = guarded(next, () => AttemptAsync(next, cancellationToken));
        }
    }

    /// <summary>One attempt, holding a slot already: send (the slot is freed once the answer is in), then record.</summary>
    private async Task AttemptAsync(PendingAttempt attempt, CancellationToken stopping)
    {
        var (streamId, delivery, webhook, owned) = attempt;
        SendResult result;
        SignedRequest signed;
        string traceParent;
        var slotHeld = true;
        try
        {
            // The bucket may have been lost while this waited for its slot.
            owned.ThrowIfCancellationRequested();
            if (webhook is null || webhook.Deleted)
            {
                ReleaseSlot(ref slotHeld);
                await recorder.RecordAsync(streamId, delivery.DeliveryId, state =>
                    state.Deliveries.ContainsKey(delivery.DeliveryId) ? [new DeliveryFailed(delivery.DeliveryId, "WEBHOOK_DELETED", time.GetUtcNow())] : [], stopping);
                return;
            }
            var published = await events.GetAsync(delivery.EventPosition, owned)
                ?? throw new InvalidOperationException($"the event of {delivery.DeliveryId} is not at position {delivery.EventPosition}");
            using var trace = AttemptTrace.Start(delivery, webhook, published);
            Interlocked.Increment(ref _inFlight);
            try
            {
                traceParent = AttemptTrace.TraceParent(trace, published);
                signed = await renderer.RenderAsync(webhook, published, time.GetUtcNow(), traceParent, owned);
                policies?.Sending(delivery, time.GetUtcNow());
                result = await sender.SendAsync(signed.Request, owned);
                AttemptTrace.Finish(trace, result);
            }
            finally
            {
                policies?.Sending(delivery, time.GetUtcNow());
                Interlocked.Decrement(ref _inFlight);
                ReleaseSlot(ref slotHeld);
            }
        }
        finally
        {
            ReleaseSlot(ref slotHeld);
        }
        var sent = new AttemptWire(signed.SignedAt, signed.SecretFingerprints, result.ResponseHeaders, traceParent);
        await recorder.RecordAsync(streamId, delivery.DeliveryId, state => DeliveryLane.RecordAttempt(
            state, result.ToAttemptResult(delivery.DeliveryId, delivery.Attempts + 1) with { Wire = sent }, time.GetUtcNow()), stopping);
        AttemptLog.Recorded(logger, delivery, result);
        OnOutcomeRecorded(attempt, result);
    }

    /// <summary>After an attempt's outcome is in the ledger: where what follows from it (metrics, policies) is told.</summary>
    private void OnOutcomeRecorded(PendingAttempt attempt, SendResult result) => AttemptRecorded?.Invoke(result);

    private void ReleaseSlot(ref bool held)
    {
        if (held)
        {
            held = false;
            _slots.Release();
        }
    }
}
