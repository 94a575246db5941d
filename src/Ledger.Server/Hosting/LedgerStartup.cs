using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Keys;
using Ledger.Projections;
using Ledger.Projections.Portal;
using Ledger.Server.Auth;

namespace Ledger.Server.Hosting;

/// <summary>What must hold before the server answers: schema, API keys, the webhook registry.</summary>
public sealed class LedgerStartup(
    ReadModelDatabase database,
    ProjectionRunner projections,
    WebhookRegistry registry,
    ApiKeys keys,
    PortalTokenRegistry portalTokens,
    SigningKeys signingKeys,
    IConfiguration configuration,
    LedgerInstanceLock instanceLock,
    ILogger<LedgerStartup> logger)
{
    /// <summary>The read models' checkpoint at start: where the dispatcher begins following the ledger.</summary>
    public long StartPosition { get; private set; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        instanceLock.Acquire();
        await database.EnsureSchemaAsync(cancellationToken);
        // Before the registry loads: the runner tells it of everything after this, whoever writes the read models.
        StartPosition = await projections.InitializeAsync(cancellationToken);
        await registry.LoadAsync(database, cancellationToken);
        await keys.LoadAsync(cancellationToken);
        await portalTokens.LoadAsync(database, cancellationToken);
        await BootstrapKeysAsync(cancellationToken);
        await signingKeys.EnsureAsync(cancellationToken);
    }

    /// <summary>The rule of <c>LEDGER_BOOTSTRAP_API_KEY</c>, said whenever an entry breaks it.</summary>
    public const string BootstrapRule =
        "entries are tenant:key separated by commas; a tenant id is 1 to 64 characters of a-z, 0-9, - and _; a key is 16 to 256 characters without spaces (e.g. acme:ldg_0123456789abcdef)";

    private async Task BootstrapKeysAsync(CancellationToken cancellationToken)
    {
        var bootstrap = configuration["LEDGER_BOOTSTRAP_API_KEY"];
        if (!string.IsNullOrWhiteSpace(bootstrap))
        {
            foreach (var entry in bootstrap.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = entry.IndexOf(':', StringComparison.Ordinal);
                var (tenant, key) = colon < 0 ? (TenantId.Default.Value, entry) : (entry[..colon], entry[(colon + 1)..]);
                if (!TenantId.IsValid(tenant))
                {
                    throw new LedgerConfigurationException(
                        $"LEDGER_BOOTSTRAP_API_KEY: '{tenant}' is not a tenant id: {BootstrapRule}");
                }
                if (keys.IsRevoked(key))
                {
                    logger.LogWarning("LEDGER_BOOTSTRAP_API_KEY: the key for tenant '{Tenant}' was revoked; it stays revoked (remove it from the variable)", tenant);
                    continue;
                }
                try
                {
                    await keys.CreateAsync(new TenantId(tenant), key, cancellationToken);
                }
                catch (DomainException ex)
                {
                    throw new LedgerConfigurationException($"LEDGER_BOOTSTRAP_API_KEY: the key for tenant '{tenant}' is refused: {BootstrapRule}", ex);
                }
            }
            return;
        }
        if (keys.Count == 0)
        {
            var issued = await keys.CreateAsync(TenantId.Default, null, cancellationToken);
            // The key goes to the console only, never to a log sink.
            logger.LogWarning("No API keys existed, so one was created for tenant 'default' and printed to the console (standard output) once");
            Console.WriteLine($"API key for tenant 'default' (shown once): {issued.Secret}");
            Console.WriteLine($"Its id is {issued.Key.Id}.");
        }
    }
}
