namespace Ledger.Domain;

// The webhook-{webhookId} stream: circuit-breaker transitions and disabling, decided by CircuitBreaker and AutoDisable.

/// <summary>The breaker opened: deliveries to the webhook pause until one probe may go out at <paramref name="ProbeAt"/>.</summary>
[EventType("webhook.circuit-opened.v1")]
public sealed record CircuitOpened(
    string WebhookId,
    int ConsecutiveFailures,
    string? LastFailureCode,
    int? LastStatusCode,
    DateTimeOffset? LastFailureAt,
    DateTimeOffset OpenedAt,
    int CooldownSeconds,
    DateTimeOffset ProbeAt) : ILedgerEvent;

/// <summary>The cool-down is over and one delivery, the head of one lane, goes out as the probe.</summary>
[EventType("webhook.circuit-half-opened.v1")]
public sealed record CircuitHalfOpened(string WebhookId, string ProbeStreamId, string ProbeDeliveryId, DateTimeOffset HalfOpenedAt) : ILedgerEvent;

/// <summary>The breaker closed: the probe succeeded (<c>PROBE_SUCCEEDED</c>) or someone reset it (<c>RESET</c>).</summary>
/// <remarks>A reset names who asked (<paramref name="Actor"/>, <paramref name="Ip"/>); a probe's close names no one.</remarks>
[EventType("webhook.circuit-closed.v1")]
public sealed record CircuitClosed(string WebhookId, string Reason, DateTimeOffset ClosedAt, string? Actor = null, string? Ip = null) : ILedgerEvent, IAudited;

/// <summary>
/// Ledger disabled the webhook: <c>CONSECUTIVE_FAILURES</c> or <c>GONE</c> (a 410 answer). Enabling it again is an
/// ordinary update with <c>active: true</c> on the tenant stream.
/// </summary>
[EventType("webhook.disabled.v1")]
public sealed record WebhookDisabled(string WebhookId, string Reason, int ConsecutiveFailures, DateTimeOffset DisabledAt) : ILedgerEvent;

/// <summary>Why a breaker closed, and why a webhook is disabled (docs/delivery-semantics.md).</summary>
public static class PolicyReasons
{
    public const string ProbeSucceeded = "PROBE_SUCCEEDED";
    public const string Reset = "RESET";
    public const string ConsecutiveFailures = "CONSECUTIVE_FAILURES";
    public const string Gone = "GONE";
    public const string Manual = "MANUAL";
}
