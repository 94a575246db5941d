namespace Ledger.Client.Receiving;

/// <summary>Whether a request is a genuine Ledger delivery, and if not, why (for your logs; do not echo it to the sender).</summary>
public sealed record VerificationResult(bool IsValid, string? Reason)
{
    public static VerificationResult Valid { get; } = new(true, null);

    public static VerificationResult Invalid(string reason) => new(false, reason);
}
