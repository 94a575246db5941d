namespace Ledger.Keys;

/// <summary>The master key is missing, malformed or not the ledger's; the message is one line that says what to do.</summary>
public sealed class KeyConfigurationException(string message) : Exception(message);
