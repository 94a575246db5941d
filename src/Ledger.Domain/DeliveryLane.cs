using System.Collections.Immutable;

namespace Ledger.Domain;

public enum DeliveryStatus
{
    Pending,
    Retrying,
    Delivered,
    Failed,
}

public static class Ordering
{
    public const string Fifo = "fifo";
    public const string Unordered = "unordered";

    public static bool IsKnown(string? ordering) => ordering is Fifo or Unordered;
}

/// <summary>One delivery as its lane knows it.</summary>
public sealed record LaneDelivery(
    string DeliveryId,
    string EventId,
    string WebhookId,
    string TenantId,
    string EventType,
    long EventPosition,
    IReadOnlyList<int> RetrySchedule,
    int? MaxAttemptAgeSeconds,
    DateTimeOffset CreatedAt,
    int Cycle,
    DateTimeOffset CycleStartedAt,
    int Attempts,
    int AttemptsInCycle,
    DeliveryStatus Status,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? PausedFor = null)
{
    public bool IsSettled => Status is DeliveryStatus.Delivered or DeliveryStatus.Failed;

    public bool IsOlderThanMaxAge(DateTimeOffset at) =>
        MaxAttemptAgeSeconds is { } maxAge && at > CycleStartedAt.AddSeconds(maxAge);

    /// <summary>When the cycle outlives its max age (null: never).</summary>
    public DateTimeOffset? ExpiresAt => MaxAttemptAgeSeconds is { } maxAge ? CycleStartedAt.AddSeconds(maxAge).AddTicks(1) : null;
}

/// <summary>
/// A per-key lane: the deliveries of one webhook and one ordering key. <see cref="Queue"/> holds the unsettled
/// ones in lane order (enqueue or redelivery order); in a FIFO lane only its head may be attempted.
/// </summary>
public sealed record LaneState(string Ordering, ImmutableDictionary<string, LaneDelivery> Deliveries, ImmutableList<string> Queue)
{
    public static readonly LaneState Empty = new(Domain.Ordering.Fifo, ImmutableDictionary<string, LaneDelivery>.Empty, []);

    public bool IsFifo => Ordering == Domain.Ordering.Fifo;

    public LaneDelivery? Head => Queue.IsEmpty ? null : Deliveries[Queue[0]];
}

/// <summary>What the sender saw of one attempt. <see cref="FailureCode"/> is null for a 2xx answer.</summary>
public sealed record AttemptResult(
    string DeliveryId,
    int AttemptNumber,
    DateTimeOffset StartedAt,
    int DurationMs,
    int? StatusCode,
    string? FailureCode,
    string? ErrorMessage,
    string? ResponseBody,
    TimeSpan? RetryAfter = null,
    AttemptWire? Wire = null)
{
    public bool Succeeded => FailureCode is null;
}

/// <summary>The decider of a delivery lane: FIFO per key, the retry schedule, terminal failure, redelivery cycles.</summary>
public static class DeliveryLane
{
    /// <summary>A 410 answer: the receiver is gone for good, so the delivery fails at once (and the webhook is disabled).</summary>
    public const int GoneStatusCode = 410;

    public static LaneState Fold(IEnumerable<ILedgerEvent> history) => history.Aggregate(LaneState.Empty, Evolve);

    public static LaneState Evolve(LaneState state, ILedgerEvent e) => e switch
    {
        DeliveryEnqueued x => state with
        {
            Ordering = x.Ordering,
            Deliveries = state.Deliveries.SetItem(x.DeliveryId, new LaneDelivery(
                x.DeliveryId, x.EventId, x.WebhookId, x.TenantId, x.EventType, x.EventPosition, x.RetrySchedule,
                x.MaxAttemptAgeSeconds, x.EnqueuedAt, Cycle: 1, CycleStartedAt: x.EnqueuedAt, Attempts: 0, AttemptsInCycle: 0,
                DeliveryStatus.Pending, NextAttemptAt: x.EnqueuedAt)),
            Queue = state.Queue.Add(x.DeliveryId),
        },
        AttemptSucceeded x => Update(state, x.DeliveryId, d => d with
        {
            Attempts = x.AttemptNumber,
            AttemptsInCycle = d.AttemptsInCycle + 1,
            NextAttemptAt = null,
        }),
        AttemptFailed x => Update(state, x.DeliveryId, d => d with
        {
            Attempts = x.AttemptNumber,
            AttemptsInCycle = d.AttemptsInCycle + 1,
            Status = DeliveryStatus.Retrying,
            NextAttemptAt = x.NextAttemptAt,
        }),
        DeliveryCompleted x => Settle(state, x.DeliveryId, DeliveryStatus.Delivered),
        DeliveryFailed x => Settle(state, x.DeliveryId, DeliveryStatus.Failed),
        RedeliveryRequested x => Requeue(state, x),
        // The lane keeps the delivery due: it goes as soon as the breaker lets it (a reset may come before the probe).
        DeliveryPaused x => Update(state, x.DeliveryId, d => d with { PausedFor = x.OpenedAt }),
        _ => state,
    };

    /// <summary>
    /// The lane without its settled deliveries: all a dispatcher needs to go on, so a long-lived lane stays small.
    /// A later redelivery of a dropped delivery needs the lane folded from its stream again.
    /// </summary>
    public static LaneState Compact(LaneState state) =>
        state.Deliveries.Count == state.Queue.Count
            ? state
            : state with { Deliveries = state.Deliveries.RemoveRange(state.Deliveries.Values.Where(d => d.IsSettled).Select(d => d.DeliveryId).ToList()) };

    /// <summary>The deliveries that may be attempted now: the head of a FIFO lane, any due one of an unordered lane.</summary>
    public static IEnumerable<LaneDelivery> Due(LaneState state, DateTimeOffset now)
    {
        if (state.IsFifo)
        {
            if (state.Head is { } head && head.NextAttemptAt <= now)
            {
                yield return head;
            }
            yield break;
        }
        foreach (var id in state.Queue)
        {
            var delivery = state.Deliveries[id];
            if (delivery.NextAttemptAt <= now)
            {
                yield return delivery;
            }
        }
    }

    /// <summary>When the lane next has something to do, or null when it is idle.</summary>
    public static DateTimeOffset? NextDueAt(LaneState state) =>
        state.IsFifo ? state.Head?.NextAttemptAt : state.Queue.Select(id => state.Deliveries[id].NextAttemptAt).Min();

    /// <summary>Enqueueing is idempotent: a delivery already in the lane adds nothing.</summary>
    public static IReadOnlyList<ILedgerEvent> Enqueue(LaneState state, DeliveryEnqueued enqueue) =>
        state.Deliveries.ContainsKey(enqueue.DeliveryId) ? [] : [enqueue];

    /// <summary>Records an attempt's outcome and decides what follows: delivered, a retry at a time, or terminal failure.</summary>
    public static IReadOnlyList<ILedgerEvent> RecordAttempt(LaneState state, AttemptResult result, DateTimeOffset now)
    {
        var delivery = Attemptable(state, result.DeliveryId);
        if (result.AttemptNumber != delivery.Attempts + 1)
        {
            throw new DomainException(ErrorCodes.Conflict, $"attempt {result.AttemptNumber} of {delivery.DeliveryId} is out of turn; the next is {delivery.Attempts + 1}");
        }
        if (result.Succeeded)
        {
            return
            [
                new AttemptSucceeded(delivery.DeliveryId, result.AttemptNumber, result.StartedAt, result.DurationMs, result.StatusCode ?? 200, result.ResponseBody, result.Wire),
                new DeliveryCompleted(delivery.DeliveryId, now),
            ];
        }

        var retryIndex = delivery.AttemptsInCycle;
        DateTimeOffset? next = null;
        string? terminal = null;
        if (result.StatusCode == GoneStatusCode)
        {
            terminal = PolicyReasons.Gone;
        }
        else if (retryIndex >= delivery.RetrySchedule.Count)
        {
            terminal = FailureCodes.RetriesExhausted;
        }
        else
        {
            var scheduled = TimeSpan.FromSeconds(delivery.RetrySchedule[retryIndex]);
            var delay = result.RetryAfter is { } retryAfter && retryAfter >= TimeSpan.Zero
                ? (retryAfter < scheduled * 2 ? retryAfter : scheduled * 2)
                : scheduled;
            next = now + delay;
            if (delivery.IsOlderThanMaxAge(next.Value))
            {
                next = null;
                terminal = FailureCodes.Expired;
            }
        }

        var failed = new AttemptFailed(
            delivery.DeliveryId, result.AttemptNumber, result.StartedAt, result.DurationMs, result.StatusCode,
            result.FailureCode!, result.ErrorMessage ?? result.FailureCode!, result.ResponseBody, next, result.Wire);
        return terminal is null ? [failed] : [failed, new DeliveryFailed(delivery.DeliveryId, terminal, now)];
    }

    /// <summary>
    /// A due delivery waits for its webhook's open breaker until <paramref name="resumeAt"/>: recorded once per opening,
    /// so a delivery's history shows the pause without an event for every look at it.
    /// </summary>
    public static IReadOnlyList<ILedgerEvent> Pause(LaneState state, string deliveryId, DateTimeOffset openedAt, DateTimeOffset resumeAt, DateTimeOffset now)
    {
        var delivery = state.Deliveries.GetValueOrDefault(deliveryId);
        return delivery is { IsSettled: false } && delivery.PausedFor != openedAt
            ? [new DeliveryPaused(deliveryId, FailureCodes.CircuitOpen, openedAt, resumeAt, now)]
            : [];
    }

    /// <summary>A due delivery older than its max age fails terminally without another attempt.</summary>
    public static IReadOnlyList<ILedgerEvent> Expire(LaneState state, string deliveryId, DateTimeOffset now)
    {
        var delivery = state.Deliveries.GetValueOrDefault(deliveryId);
        return delivery is { IsSettled: false } && delivery.IsOlderThanMaxAge(now)
            ? [new DeliveryFailed(deliveryId, FailureCodes.Expired, now)]
            : [];
    }

    /// <summary>A settled delivery starts a new cycle; attempts number on from the last.</summary>
    public static IReadOnlyList<ILedgerEvent> Redeliver(LaneState state, string deliveryId, DateTimeOffset now)
    {
        var delivery = state.Deliveries.GetValueOrDefault(deliveryId) ?? throw DomainException.NotFound("delivery");
        if (!delivery.IsSettled)
        {
            throw new DomainException(ErrorCodes.Conflict, $"delivery {deliveryId} is still {delivery.Status.ToString().ToLowerInvariant()}; redeliver it once it has been delivered or has failed");
        }
        return [new RedeliveryRequested(deliveryId, delivery.Cycle + 1, now)];
    }

    private static LaneDelivery Attemptable(LaneState state, string deliveryId)
    {
        var delivery = state.Deliveries.GetValueOrDefault(deliveryId) ?? throw DomainException.NotFound("delivery");
        if (delivery.IsSettled)
        {
            throw new DomainException(ErrorCodes.Conflict, $"delivery {deliveryId} is already {delivery.Status.ToString().ToLowerInvariant()}");
        }
        if (state.IsFifo && state.Queue[0] != deliveryId)
        {
            throw new DomainException(ErrorCodes.Conflict, $"delivery {deliveryId} waits behind {state.Queue[0]} in its FIFO lane");
        }
        return delivery;
    }

    private static LaneState Update(LaneState state, string deliveryId, Func<LaneDelivery, LaneDelivery> change) =>
        state.Deliveries.TryGetValue(deliveryId, out var delivery)
            ? state with { Deliveries = state.Deliveries.SetItem(deliveryId, change(delivery)) }
            : state;

    private static LaneState Requeue(LaneState state, RedeliveryRequested x)
    {
        var updated = Update(state, x.DeliveryId, d => d with
        {
            Cycle = x.Cycle,
            CycleStartedAt = x.RequestedAt,
            AttemptsInCycle = 0,
            Status = DeliveryStatus.Pending,
            NextAttemptAt = x.RequestedAt,
        });
        return updated.Deliveries.ContainsKey(x.DeliveryId) && !updated.Queue.Contains(x.DeliveryId)
            ? updated with { Queue = updated.Queue.Add(x.DeliveryId) }
            : updated;
    }

    private static LaneState Settle(LaneState state, string deliveryId, DeliveryStatus status)
    {
        var updated = Update(state, deliveryId, d => d with { Status = status, NextAttemptAt = null });
        return updated with { Queue = updated.Queue.Remove(deliveryId) };
    }
}
