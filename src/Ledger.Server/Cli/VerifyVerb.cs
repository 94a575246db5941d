namespace Ledger.Server.Cli;

/// <summary>Checks a ledger export offline; exit 0 when intact, 1 otherwise, 2 when the file or key cannot be used.</summary>
internal static class VerifyVerb
{
    public static int Run(string file, string? publicKey)
    {
        byte[]? pinned = null;
        if (publicKey is not null)
        {
            pinned = Exports.ExportVerifier.ParsePublicKey(publicKey);
            if (pinned is null)
            {
                Console.Error.WriteLine("--public-key is 64 hex characters or an erd1… address");
                return LedgerCommandLine.UsageError;
            }
        }
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"{file}: no such file");
            return LedgerCommandLine.UsageError;
        }
        using var input = File.OpenRead(file);
        var result = Exports.ExportVerifier.Verify(input, pinned);
        Console.WriteLine(result.Summary);
        return result.Intact ? 0 : 1;
    }
}
