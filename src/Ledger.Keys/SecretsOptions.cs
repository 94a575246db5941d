namespace Ledger.Keys;

/// <summary><c>Ledger:Secrets</c>: the master key that wraps every data key (docs/operations.md).</summary>
public sealed class SecretsOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "Ledger:Secrets";

    /// <summary>Base64 of 32 random bytes.</summary>
    public string? MasterKey { get; set; }

    /// <summary>A file holding the base64 of 32 random bytes.</summary>
    public string? MasterKeyFile { get; set; }
}
