namespace Ledger.Keys;

/// <summary>
/// Where the master key comes from (docs/operations.md): <c>Ledger:Secrets:MasterKey</c>, else <c>…:MasterKeyFile</c>,
/// else, on embedded storage only, a key file beside the ledger that is created on first start.
/// </summary>
public sealed class MasterKeySource
{
    private readonly MasterKey? _configured;

    private MasterKeySource(MasterKey? configured, string? keyFile, bool mayCreate)
    {
        _configured = configured;
        KeyFile = keyFile;
        MayCreateKeyFile = mayCreate;
    }

    /// <summary>The key file in use, if the key comes from one.</summary>
    public string? KeyFile { get; }

    public bool MayCreateKeyFile { get; }

    /// <summary>The key file an embedded ledger keeps beside itself: ledger.db → ledger.master.key.</summary>
    public static string DefaultKeyFile(string ledgerPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ledgerPath)) ?? ".", Path.GetFileNameWithoutExtension(ledgerPath) + ".master.key");

    /// <param name="embeddedLedgerPath">The SQLite ledger's path; null for PostgreSQL, which needs a configured key.</param>
    /// <exception cref="KeyConfigurationException">No usable key is configured.</exception>
    public static MasterKeySource From(SecretsOptions options, string? embeddedLedgerPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.MasterKey))
        {
            return new(MasterKey.Parse(options.MasterKey, "Ledger:Secrets:MasterKey"), null, false);
        }
        if (!string.IsNullOrWhiteSpace(options.MasterKeyFile))
        {
            var path = Path.GetFullPath(options.MasterKeyFile);
            return File.Exists(path)
                ? new(null, path, false)
                : throw new KeyConfigurationException($"Ledger:Secrets:MasterKeyFile {path} does not exist; point it at a file holding the base64 of 32 random bytes");
        }
        if (embeddedLedgerPath is null)
        {
            throw new KeyConfigurationException(
                "PostgreSQL storage needs a master key: set Ledger__Secrets__MasterKey (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or Ledger__Secrets__MasterKeyFile");
        }
        return new(null, DefaultKeyFile(embeddedLedgerPath), true);
    }

    /// <summary>The key, creating the default key file when allowed and <paramref name="ledgerHasKeys"/> is false.</summary>
    public MasterKey Open(bool ledgerHasKeys)
    {
        if (_configured is not null)
        {
            return _configured;
        }
        if (File.Exists(KeyFile))
        {
            return MasterKey.Load(KeyFile);
        }
        if (ledgerHasKeys)
        {
            throw new KeyConfigurationException(
                $"the ledger holds encrypted secrets but the master key file {KeyFile} is missing; restore it from the backup or set Ledger__Secrets__MasterKey");
        }
        return MasterKey.CreateFile(KeyFile!);
    }
}
