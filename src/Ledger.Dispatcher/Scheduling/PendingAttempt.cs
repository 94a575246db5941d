using Ledger.Domain;

namespace Ledger.Dispatcher.Scheduling;

/// <summary>A due delivery marked in flight on its lane, waiting for a concurrency slot.</summary>
/// <param name="Owned">Cancelled when the lane's bucket is lost (or the dispatcher stops).</param>
internal sealed record PendingAttempt(string StreamId, LaneDelivery Delivery, WebhookState? Webhook, CancellationToken Owned);
