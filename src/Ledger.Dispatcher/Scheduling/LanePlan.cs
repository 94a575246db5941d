using Ledger.Domain;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>What examining a lane decided: attempts to start, deliveries to expire, and when to look again.</summary>
internal sealed record LanePlan(
    IReadOnlyList<(LaneDelivery Delivery, WebhookState? Webhook)> Starts,
    IReadOnlyList<string> Expired,
    DateTimeOffset? WakeAt,
    CancellationToken Owned);
