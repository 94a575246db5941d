using Ledger.Domain;
using Ledger.Projections.Audit;

namespace Ledger.Projections;

public sealed partial class ReadModelQueries
{
    private const string AuditCursorTag = "audit";

    /// <summary>
    /// The tenant's audit trail, newest first: at or after <paramref name="since"/>, of one <paramref name="actor"/> when
    /// given. The cursor is the last row's ledger position.
    /// </summary>
    public async Task<Page<AuditEntryView>> ListAuditAsync(
        TenantId tenant, DateTimeOffset? since, string? actor, int limit, string? cursor, CancellationToken cancellationToken)
    {
        if (actor is not null && (actor.Length is 0 or > 128 || !actor.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':')))
        {
            throw DomainException.Validation("actor", "actor is an API key id (ak_…) or a portal token id (pt_…)");
        }
        limit = ClampLimit(limit);
        var (before, tag) = DecodeCursor(cursor);
        if (cursor is not null && tag != AuditCursorTag)
        {
            throw DomainException.Validation("cursor", "cursor is not one this list gave");
        }
        var rows = await QueryAsync(
            """
            SELECT position, occurred_at, actor, ip, action, subject FROM audit
            WHERE tenant_id = @tenant AND (CAST(@before AS BIGINT) IS NULL OR position < @before)
                AND (CAST(@since AS BIGINT) IS NULL OR occurred_at >= @since) AND (CAST(@actor AS TEXT) IS NULL OR actor = @actor)
            ORDER BY position DESC LIMIT @limit
            """,
            r => new AuditEntryView(r.Long(0), r.Time(1), r.NullableString(2), r.NullableString(3), r.GetString(4), r.GetString(5)),
            cancellationToken,
            ("@tenant", tenant.Value), ("@before", before), ("@since", Micros.From(since)), ("@actor", actor), ("@limit", limit + 1));
        return ToPage(rows, limit, AuditCursorOf);
    }

    /// <summary>The cursor that continues the audit trail after <paramref name="entry"/>.</summary>
    public static string AuditCursorOf(AuditEntryView entry) => EncodeCursor(entry.Position, AuditCursorTag);
}
