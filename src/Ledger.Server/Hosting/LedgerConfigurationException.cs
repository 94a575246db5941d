namespace Ledger.Server.Hosting;

/// <summary>A setting that stops the server at start: the message names the setting and its rule, on one line.</summary>
public sealed class LedgerConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
