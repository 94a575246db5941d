namespace Ledger.Domain;

/// <summary>Event-type subscriptions: <c>*</c> is everything, <c>trade.*</c> a prefix, anything else exact.</summary>
public static class EventPatterns
{
    public static bool IsValidType(string? type) =>
        !string.IsNullOrEmpty(type) && type.Length <= 128 && type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':');

    public static bool IsValidPattern(string? pattern) =>
        pattern == "*" || (pattern is not null && (pattern.EndsWith(".*", StringComparison.Ordinal) ? IsValidType(pattern[..^2]) : IsValidType(pattern)));

    public static bool Matches(string pattern, string type) =>
        pattern == "*"
        || (pattern.EndsWith(".*", StringComparison.Ordinal)
            ? type.Length > pattern.Length - 1 && type.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
            : string.Equals(pattern, type, StringComparison.Ordinal));

    public static bool MatchesAny(IEnumerable<string> patterns, string type) => patterns.Any(p => Matches(p, type));
}
