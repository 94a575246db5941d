namespace Ledger.Application.Replay;

/// <summary>
/// A bulk replay as its caller sees it. <c>Status</c>: <c>running</c>, <c>completed</c> or <c>cancelled</c>;
/// <c>WebhookIds</c>: the webhooks its selection was confined to (null: the whole tenant).
/// </summary>
public sealed record ReplayJobView(
    string Id,
    string TenantId,
    string Status,
    int Total,
    int Done,
    int Failed,
    string Selection,
    string StartedBy,
    DateTimeOffset StartedAt,
    string? CancelledBy,
    DateTimeOffset? EndedAt,
    IReadOnlyCollection<string>? WebhookIds = null)
{
    public bool IsRunning => Status == ReplayStatuses.Running;
}

public static class ReplayStatuses
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// What to replay: the failed deliveries of <c>WebhookId</c> created since <c>Since</c>, or when <c>Filter</c> is
/// given, every settled delivery it matches (narrowed to <c>WebhookId</c>/<c>Since</c> when those are given too).
/// </summary>
public sealed record ReplaySelection(string? WebhookId, DateTimeOffset? Since, Projections.DeliveryFilter? Filter);
