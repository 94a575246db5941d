using System.Globalization;
using Ledger.Keys;
using Ledger.Server.Hosting;

namespace Ledger.Server.Cli;

/// <summary><c>signing-keys rotate</c> and <c>secrets rotate-master-key</c>.</summary>
internal static class KeyVerbs
{
    public static async Task<int> RotateSigningKeyAsync(IServiceProvider services, string? overlapHours, CancellationToken cancellationToken)
    {
        var hours = 24;
        if (overlapHours is not null && (!int.TryParse(overlapHours, NumberStyles.None, CultureInfo.InvariantCulture, out hours) || hours > 720))
        {
            Console.Error.WriteLine("--overlap-hours must be a whole number of hours from 0 to 720");
            return 2;
        }
        var keys = services.GetRequiredService<SigningKeys>();
        await keys.EnsureAsync(cancellationToken);
        var created = await keys.RotateAsync(hours, cancellationToken);
        Console.WriteLine($"New signing key {created.Address} (public key {created.PublicKey}).");
        Console.WriteLine(hours == 0 ? "The previous key is retired now." : $"The previous key stays valid, and signs alongside, for {hours} h.");
        return 0;
    }

    /// <summary>
    /// Re-wraps every data key with a new master key, in new ledger events. Without <c>--new-key-file</c> (embedded
    /// storage with the default key file) the key file is swapped in place and the old one kept beside it, retired.
    /// </summary>
    public static async Task<int> RotateMasterKeyAsync(IServiceProvider services, IConfiguration configuration, string? newKeyFile, CancellationToken cancellationToken)
    {
        var source = LedgerKeys.MasterKeySourceOf(configuration);
        var ring = services.GetRequiredService<KeyRing>();
        if (newKeyFile is null && !source.MayCreateKeyFile)
        {
            Console.Error.WriteLine("--new-key-file PATH is required when the master key is configured (Ledger__Secrets__MasterKey or MasterKeyFile)");
            return 2;
        }
        var target = newKeyFile is null ? source.KeyFile! + ".new" : Path.GetFullPath(newKeyFile);
        var next = File.Exists(target) ? MasterKey.Load(target) : MasterKey.CreateFile(target);
        if (next.Id == ring.MasterKeyId)
        {
            Console.Error.WriteLine($"{target} holds the current master key {next.Id}; give a new key file (it is created if it does not exist)");
            return 2;
        }
        var previous = ring.MasterKeyId;
        var count = await ring.RotateMasterKeyAsync(next, cancellationToken);
        Console.WriteLine($"Re-wrapped {count} data key(s) with master key {next.Id} (was {previous}).");
        if (newKeyFile is null)
        {
            var retired = $"{source.KeyFile}.{previous}.retired";
            File.Move(source.KeyFile!, retired);
            File.Move(target, source.KeyFile!);
            Console.WriteLine($"{source.KeyFile} now holds the new key; the old one is kept in {retired} for backups taken before now.");
        }
        else
        {
            Console.WriteLine($"Restart every instance with Ledger__Secrets__MasterKeyFile={target} (or Ledger__Secrets__MasterKey set to its content).");
        }
        return 0;
    }
}
