using System.Globalization;
using Ledger.Domain;
using Ledger.Projections;

namespace Ledger.Server.Api;

/// <summary>Query values with more to them than a number: <c>status=pending,failed</c>.</summary>
public static class QueryValues
{
    public static List<string>? Statuses(string? status)
    {
        if (string.IsNullOrWhiteSpace(status))
        {
            return null;
        }
        var statuses = status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).ToList();
        var unknown = statuses.FirstOrDefault(s => !DeliveryStatuses.All.Contains(s));
        return unknown is null
            ? statuses
            : throw DomainException.Validation("status", string.Create(CultureInfo.InvariantCulture, $"status '{unknown}' is not one of {string.Join(", ", DeliveryStatuses.All)}"));
    }

    /// <summary>An ISO-8601 time (<c>since=2026-01-01T00:00:00Z</c>; UTC when it names no offset); anything else is a 400 naming the field.</summary>
    public static DateTimeOffset? Time(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw DomainException.Validation(field, $"{field} must be an ISO-8601 time such as 2026-01-01T00:00:00Z");
    }
}
