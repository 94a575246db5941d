using System.Security.Cryptography;
using System.Text;

namespace Ledger.Keys;

/// <summary>
/// The 256-bit key that wraps the data keys. It never enters the ledger; its <see cref="Id"/> (a one-way fingerprint)
/// does, so a ledger can say which master key wrapped what.
/// </summary>
public sealed class MasterKey
{
    public const int Length = 32;

    private readonly byte[] _key;

    private MasterKey(byte[] key)
    {
        _key = key;
        Id = "mk_" + Convert.ToHexStringLower(SHA256.HashData([.. "ledger master key id\n"u8, .. key]))[..16];
    }

    public string Id { get; }

    public static MasterKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <exception cref="KeyConfigurationException">The text is not the base64 of 32 bytes.</exception>
    public static MasterKey Parse(string base64, string source)
    {
        var buffer = new byte[Length + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written) || written != Length)
        {
            throw new KeyConfigurationException($"{source} must be the base64 of {Length} random bytes (e.g. `openssl rand -base64 32`)");
        }
        return new(buffer[..Length]);
    }

    /// <exception cref="KeyConfigurationException">The file is missing, unreadable or malformed.</exception>
    public static MasterKey Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.ASCII);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyConfigurationException($"the master key file {path} cannot be read: {ex.Message}");
        }
        return Parse(text, $"the master key file {path}");
    }

    /// <summary>Writes a new key file readable by its owner only (0600); never overwrites one.</summary>
    public static MasterKey CreateFile(string path)
    {
        var key = Generate();
        key.WriteFile(path);
        return key;
    }

    /// <summary>Writes this key to a new file readable by its owner only (0600); never overwrites one.</summary>
    public void WriteFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var file = new FileStream(path, options);
        file.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(_key) + "\n"));
        file.Flush(flushToDisk: true);
    }

    internal string Wrap(ReadOnlySpan<byte> dataKey, string context) => Convert.ToBase64String(Aead.Seal(_key, dataKey, context));

    /// <returns>Null when this master key did not wrap it (or it was altered).</returns>
    internal byte[]? Unwrap(string wrapped, string context) => Aead.TryOpen(_key, Convert.FromBase64String(wrapped), context);
}
