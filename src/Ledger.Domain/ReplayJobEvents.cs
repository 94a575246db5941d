namespace Ledger.Domain;

// Bulk replays, on the tenant-{tenantId} stream: a job, who started and who cancelled it, and how it ended. Each
// redelivery the job makes is a RedeliveryRequested on its lane that names the job.

/// <summary>
/// A bulk replay began: <paramref name="Total"/> settled deliveries chosen by <paramref name="Selection"/> (a readable
/// description of the filter) will be delivered again, at most <paramref name="PerSecond"/> a second.
/// </summary>
[EventType("replay.started.v1")]
public sealed record ReplayJobStarted(string JobId, string Actor, string Selection, int Total, int PerSecond, DateTimeOffset StartedAt, string? Ip = null)
    : ILedgerEvent, IAudited
{
    /// <summary>The webhooks the selection was confined to (null: the whole tenant), so that a resumed job keeps its scope.</summary>
    public IReadOnlyList<string>? WebhookIds { get; init; }
}

/// <summary>
/// Part of a job's selection, in order from <paramref name="Offset"/>: the deliveries it redelivers, appended with
/// <see cref="ReplayJobStarted"/> in one append (a chunk each, as a selection may be larger than one event holds),
/// so that a job a restart interrupted resumes with the same deliveries.
/// </summary>
[EventType("replay.selected.v1")]
public sealed record ReplayJobSelected(string JobId, int Offset, IReadOnlyList<string> DeliveryIds) : ILedgerEvent;

[EventType("replay.cancel-requested.v1")]
public sealed record ReplayJobCancelRequested(string JobId, string Actor, DateTimeOffset RequestedAt, string? Ip = null) : ILedgerEvent, IAudited;

/// <summary>How a job ended: <c>completed</c> or <c>cancelled</c>; <paramref name="Done"/> redeliveries were made, <paramref name="Failed"/> refused.</summary>
[EventType("replay.ended.v1")]
public sealed record ReplayJobEnded(string JobId, string Outcome, int Done, int Failed, DateTimeOffset EndedAt) : ILedgerEvent;
