using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;
using Ledger.Server.Auth;

namespace Ledger.Server.Hosting;

/// <summary>What must hold before the server answers: schema, API keys, the webhook registry.</summary>
public sealed class LedgerStartup(
    ReadModelDatabase database,
    ProjectionRunner projections,
    WebhookRegistry registry,
    ApiKeys keys,
    IConfiguration configuration,
    ILogger<LedgerStartup> logger)
{
    /// <summary>The read models' checkpoint at start: where the dispatcher begins following the ledger.</summary>
    public long StartPosition { get; private set; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(cancellationToken);
        // Before the registry loads: the runner tells it of everything after this, whoever writes the read models.
        StartPosition = await projections.InitializeAsync(cancellationToken);
        await registry.LoadAsync(database, cancellationToken);
        await keys.LoadAsync(cancellationToken);
        await BootstrapKeysAsync(cancellationToken);
    }

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
                    throw new InvalidOperationException($"LEDGER_BOOTSTRAP_API_KEY: '{tenant}' is not a tenant id (a-z, 0-9, - and _)");
                }
                try
                {
                    await keys.CreateAsync(new TenantId(tenant), key, cancellationToken);
                }
                catch (DomainException ex)
                {
                    throw new InvalidOperationException($"LEDGER_BOOTSTRAP_API_KEY: {ex.Message}", ex);
                }
            }
            return;
        }
        if (keys.Count == 0)
        {
            var key = await keys.CreateAsync(TenantId.Default, null, cancellationToken);
            logger.LogWarning("No API keys existed, so one was created for tenant 'default'. It is shown only this once: {ApiKey}", key);
            Console.WriteLine($"API key for tenant 'default' (shown once): {key}");
        }
    }
}
