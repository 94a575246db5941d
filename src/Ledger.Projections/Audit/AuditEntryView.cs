namespace Ledger.Projections.Audit;

/// <summary>One command of the audit trail: when, who (an API key or portal token id; null before actors were recorded), from which IP, what, on what.</summary>
public sealed record AuditEntryView(long Position, DateTimeOffset OccurredAt, string? Actor, string? Ip, string Action, string Subject);
