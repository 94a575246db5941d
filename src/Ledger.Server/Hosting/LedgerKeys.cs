using Ledger.EventStore;
using Ledger.Keys;

namespace Ledger.Server.Hosting;

public static class LedgerKeys
{
    /// <summary>
    /// The master key (<c>Ledger:Secrets</c>), the keyring it opens, webhook secrets sealed under it, the server's
    /// signing keys, and the signer the dispatcher renders every attempt with.
    /// </summary>
    public static IServiceCollection AddLedgerKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => KeyRing.OpenAsync(
            sp.GetRequiredService<IEventStore>(), MasterKeySourceOf(configuration), sp.GetRequiredService<TimeProvider>(), CancellationToken.None).GetAwaiter().GetResult());
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<Exports.LedgerExport>();
        services.AddSingleton<IDeliverySigner, DeliverySigner>();
        return services;
    }

    /// <summary>Why the server cannot start with this configuration (one line), or null.</summary>
    public static string? StartRefusal(IConfiguration configuration)
    {
        try
        {
            _ = MasterKeySourceOf(configuration);
            return null;
        }
        catch (KeyConfigurationException ex)
        {
            return ex.Message;
        }
    }

    /// <exception cref="KeyConfigurationException">No usable master key is configured.</exception>
    public static MasterKeySource MasterKeySourceOf(IConfiguration configuration)
    {
        var secrets = configuration.GetSection(SecretsOptions.Section).Get<SecretsOptions>() ?? new SecretsOptions();
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var embedded = string.Equals(storage.Provider, StorageOptions.SqliteProvider, StringComparison.OrdinalIgnoreCase) ? Path.GetFullPath(storage.Sqlite.Path) : null;
        return MasterKeySource.From(secrets, embedded);
    }
}
