namespace Ledger.Domain;

public enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}

/// <summary>
/// The breaker's settings (docs/delivery-semantics.md). The cool-down doubles on each re-open up to <see cref="MaxCooldownSeconds"/>
/// and is back at <see cref="CooldownSeconds"/> once the breaker closes. A probe that never reports (its instance
/// died) frees the half-open breaker for another probe after <see cref="ProbeTimeoutSeconds"/>.
/// </summary>
public sealed record BreakerSettings(int FailureThreshold = 5, int CooldownSeconds = 30, int MaxCooldownSeconds = 600, int ProbeTimeoutSeconds = 120)
{
    public static readonly BreakerSettings Default = new();

    /// <summary>The cool-down after <paramref name="reopenings"/> re-opens since the breaker last closed.</summary>
    public int CooldownAfter(int reopenings)
    {
        long cooldown = CooldownSeconds;
        for (var i = 0; i < reopenings && cooldown < MaxCooldownSeconds; i++)
        {
            cooldown *= 2;
        }
        return (int)Math.Min(cooldown, MaxCooldownSeconds);
    }
}

/// <summary>
/// A webhook's breaker: its transitions from the webhook stream, and the failure count from the outcomes of the
/// attempts on all of its lanes, in ledger order.
/// </summary>
public sealed record BreakerState(
    CircuitState State,
    int ConsecutiveFailures,
    string? LastFailureCode,
    int? LastStatusCode,
    DateTimeOffset? LastFailureAt,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? ProbeAt,
    int Reopenings,
    string? ProbeStreamId,
    string? ProbeDeliveryId,
    bool ProbeAttempted,
    DateTimeOffset? HalfOpenedAt)
{
    public static readonly BreakerState Closed = new(CircuitState.Closed, 0, null, null, null, null, null, 0, null, null, false, null);
}

/// <summary>What the policies say about a due delivery: send it, claim the probe first, or wait.</summary>
public enum AdmissionKind
{
    Go,
    ClaimProbe,
    Wait,
}

/// <param name="Until">When to ask again; null: when something changes (a transition, an enable).</param>
/// <param name="PauseFor">The opening of the breaker this wait belongs to; the lane records one pause per opening.</param>
public sealed record Admission(AdmissionKind Kind, DateTimeOffset? Until = null, DateTimeOffset? PauseFor = null)
{
    public static readonly Admission Go = new(AdmissionKind.Go);
    public static readonly Admission ClaimProbe = new(AdmissionKind.ClaimProbe);
    public static readonly Admission WaitForChange = new(AdmissionKind.Wait);

    public static Admission WaitUntil(DateTimeOffset until, DateTimeOffset? pauseFor = null) => new(AdmissionKind.Wait, until, pauseFor);
}

/// <summary>The decider of a webhook's circuit breaker: closed → open → half-open (one probe) → closed or open again.</summary>
public static class CircuitBreaker
{
    public static BreakerState Fold(IEnumerable<ILedgerEvent> history) => history.Aggregate(BreakerState.Closed, Evolve);

    /// <summary>Applies a transition of the webhook stream, or the outcome of an attempt on one of the webhook's lanes.</summary>
    public static BreakerState Evolve(BreakerState state, ILedgerEvent e) => e switch
    {
        CircuitOpened x => state with
        {
            State = CircuitState.Open,
            OpenedAt = x.OpenedAt,
            ProbeAt = x.ProbeAt,
            Reopenings = state.State == CircuitState.Closed ? 0 : state.Reopenings + 1,
            ProbeStreamId = null,
            ProbeDeliveryId = null,
            ProbeAttempted = false,
            HalfOpenedAt = null,
        },
        CircuitHalfOpened x => state with
        {
            State = CircuitState.HalfOpen,
            ProbeStreamId = x.ProbeStreamId,
            ProbeDeliveryId = x.ProbeDeliveryId,
            ProbeAttempted = false,
            HalfOpenedAt = x.HalfOpenedAt,
        },
        CircuitClosed => BreakerState.Closed,
        AttemptSucceeded x => state with
        {
            ConsecutiveFailures = 0,
            ProbeAttempted = state.ProbeAttempted || x.DeliveryId == state.ProbeDeliveryId,
        },
        AttemptFailed x => state with
        {
            ConsecutiveFailures = state.ConsecutiveFailures + 1,
            LastFailureCode = x.FailureCode,
            LastStatusCode = x.StatusCode,
            LastFailureAt = x.StartedAt,
            ProbeAttempted = state.ProbeAttempted || x.DeliveryId == state.ProbeDeliveryId,
        },
        // The probe ended without an attempt (it expired, its webhook went): another delivery may probe.
        DeliveryFailed x when state.State == CircuitState.HalfOpen && x.DeliveryId == state.ProbeDeliveryId && !state.ProbeAttempted =>
            state with { ProbeStreamId = null, ProbeDeliveryId = null },
        _ => state,
    };

    /// <summary>
    /// After an attempt's outcome has been applied: the threshold of consecutive failures opens a closed breaker;
    /// the probe's outcome closes a half-open one or opens it again for a doubled cool-down.
    /// </summary>
    public static IReadOnlyList<ILedgerEvent> AfterAttempt(BreakerState state, string webhookId, string deliveryId, bool succeeded, BreakerSettings settings, DateTimeOffset now)
    {
        if (state.State == CircuitState.Closed && !succeeded && state.ConsecutiveFailures >= settings.FailureThreshold)
        {
            return [Open(state, webhookId, settings.CooldownAfter(0), now)];
        }
        if (state.State == CircuitState.HalfOpen && deliveryId == state.ProbeDeliveryId)
        {
            return succeeded
                ? [new CircuitClosed(webhookId, PolicyReasons.ProbeSucceeded, now)]
                : [Open(state, webhookId, settings.CooldownAfter(state.Reopenings + 1), now)];
        }
        return [];
    }

    /// <summary>Whether a due delivery of <paramref name="streamId"/> may be sent now.</summary>
    public static Admission Admit(BreakerState state, string streamId, string deliveryId, BreakerSettings settings, DateTimeOffset now)
    {
        switch (state.State)
        {
            case CircuitState.Closed:
                return Admission.Go;
            case CircuitState.Open:
                return now >= state.ProbeAt ? Admission.ClaimProbe : Admission.WaitUntil(state.ProbeAt!.Value, state.OpenedAt);
            default:
                if (state.ProbeDeliveryId == deliveryId && state.ProbeStreamId == streamId)
                {
                    return Admission.Go;
                }
                var retakeAt = ProbeRetakeAt(state, settings);
                return state.ProbeDeliveryId is null || now >= retakeAt ? Admission.ClaimProbe : Admission.WaitUntil(retakeAt, state.OpenedAt);
        }
    }

    /// <summary>Makes this delivery the one probe, when the breaker is open past its cool-down or its probe was given up.</summary>
    public static IReadOnlyList<ILedgerEvent> ClaimProbe(BreakerState state, string webhookId, string streamId, string deliveryId, BreakerSettings settings, DateTimeOffset now) =>
        Admit(state, streamId, deliveryId, settings, now).Kind == AdmissionKind.ClaimProbe
            ? [new CircuitHalfOpened(webhookId, streamId, deliveryId, now)]
            : [];

    /// <summary>Closes the breaker at once (the API's reset); a closed breaker stays as it is.</summary>
    public static IReadOnlyList<ILedgerEvent> Reset(BreakerState state, string webhookId, DateTimeOffset now) =>
        state.State == CircuitState.Closed ? [] : [new CircuitClosed(webhookId, PolicyReasons.Reset, now)];

    /// <summary>When the next probe may go out (null when the breaker is closed).</summary>
    public static DateTimeOffset? NextProbeAt(BreakerState state, BreakerSettings settings) => state.State switch
    {
        CircuitState.Open => state.ProbeAt,
        CircuitState.HalfOpen => ProbeRetakeAt(state, settings),
        _ => null,
    };

    private static DateTimeOffset ProbeRetakeAt(BreakerState state, BreakerSettings settings) =>
        (state.HalfOpenedAt ?? state.ProbeAt ?? DateTimeOffset.MinValue).AddSeconds(settings.ProbeTimeoutSeconds);

    private static CircuitOpened Open(BreakerState state, string webhookId, int cooldownSeconds, DateTimeOffset now) =>
        new(webhookId, state.ConsecutiveFailures, state.LastFailureCode, state.LastStatusCode, state.LastFailureAt, now, cooldownSeconds, now.AddSeconds(cooldownSeconds));
}
