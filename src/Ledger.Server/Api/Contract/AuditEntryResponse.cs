using Ledger.Projections.Audit;

namespace Ledger.Server.Api.Contract;

/// <summary>
/// One command of the audit trail (docs/audit.md): when, who (an API key id <c>ak_…</c> or portal token id <c>pt_…</c>;
/// null for commands recorded before actors were), the client IP, the action and what it acted on.
/// </summary>
public sealed record AuditEntryResponse(DateTimeOffset OccurredAt, string? Actor, string? Ip, string Action, string Subject)
{
    public static AuditEntryResponse From(AuditEntryView entry) => new(entry.OccurredAt, entry.Actor, entry.Ip, entry.Action, entry.Subject);
}
