namespace Ledger.Domain;

/// <summary>
/// A webhook's run of consecutive terminal failures (retries ran out, the delivery expired, or the receiver answered
/// 410), and whether Ledger has disabled it since it was last enabled.
/// </summary>
public sealed record DisableState(int ConsecutiveTerminalFailures, string? DisabledReason, DateTimeOffset? DisabledAt)
{
    public static readonly DisableState Enabled = new(0, null, null);

    public bool IsDisabled => DisabledReason is not null;
}

/// <summary>The decider of auto-disable (docs/delivery-semantics.md): after N consecutive terminal failures, or at once on a 410.</summary>
public static class AutoDisable
{
    /// <summary>
    /// The threshold in force: the webhook's own setting, else the configured default for profile <c>v2k</c>, else off.
    /// 0 (or less) is off.
    /// </summary>
    public static int? Threshold(string profile, int? perWebhook, int? v2kDefault)
    {
        var threshold = perWebhook ?? (profile == Profiles.V2k ? v2kDefault : null);
        return threshold is > 0 ? threshold : null;
    }

    /// <summary>Applies a disabling of the webhook stream, or a delivery's end on one of its lanes.</summary>
    public static DisableState Evolve(DisableState state, ILedgerEvent e) => e switch
    {
        WebhookDisabled x => state with { DisabledReason = x.Reason, DisabledAt = x.DisabledAt },
        DeliveryCompleted => state with { ConsecutiveTerminalFailures = 0 },
        DeliveryFailed x when CountsAsTerminalFailure(x.Reason) => state with { ConsecutiveTerminalFailures = state.ConsecutiveTerminalFailures + 1 },
        _ => state,
    };

    /// <summary>Enabling the webhook again (an update with <c>active: true</c>) starts the count afresh.</summary>
    public static DisableState Enable(DisableState state) => DisableState.Enabled;

    /// <summary>After a delivery failed terminally and was counted: disable on a 410, or once the count reaches the threshold.</summary>
    public static IReadOnlyList<ILedgerEvent> AfterFailure(DisableState state, string webhookId, string reason, int? threshold, DateTimeOffset now)
    {
        if (state.IsDisabled)
        {
            return [];
        }
        if (reason == PolicyReasons.Gone)
        {
            return [new WebhookDisabled(webhookId, PolicyReasons.Gone, state.ConsecutiveTerminalFailures, now)];
        }
        return threshold is { } n && state.ConsecutiveTerminalFailures >= n
            ? [new WebhookDisabled(webhookId, PolicyReasons.ConsecutiveFailures, state.ConsecutiveTerminalFailures, now)]
            : [];
    }

    /// <summary>What the webhook's <c>disabledReason</c> becomes when an update sets <c>active</c>.</summary>
    public static string? ReasonAfterUpdate(bool wasActive, string? reason, bool active) => active ? null : wasActive ? PolicyReasons.Manual : reason;

    private static bool CountsAsTerminalFailure(string reason) =>
        reason is FailureCodes.RetriesExhausted or FailureCodes.Expired or PolicyReasons.Gone;
}
