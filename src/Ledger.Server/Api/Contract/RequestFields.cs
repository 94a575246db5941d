using Ledger.Domain;

namespace Ledger.Server.Api.Contract;

/// <summary>What deserialization lets through that the contract refuses: null items in lists and maps.</summary>
internal static class RequestFields
{
    public static List<string>? NoNullItems(List<string>? items, string field, string expected) =>
        items is not null && items.Any(i => i is null) ? throw DomainException.Validation(field, $"{field} must be {expected}") : items;

    public static Dictionary<string, string>? NoNullValues(Dictionary<string, string>? map, string field)
    {
        if (map?.FirstOrDefault(p => p.Value is null) is { Key: not null } nullValue)
        {
            throw DomainException.Validation(field, $"{field}.{nullValue.Key} must be a string");
        }
        return map;
    }
}
