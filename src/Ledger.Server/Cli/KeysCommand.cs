using System.CommandLine;
using Ledger.Domain;
using Ledger.Server.Auth;

namespace Ledger.Server.Cli;

/// <summary><c>keys create [--tenant NAME]</c>: a new API key for a tenant, printed once.</summary>
internal static class KeysCommand
{
    public static Command Create(VerbHost host)
    {
        var tenant = new Option<string>("--tenant")
        {
            Description = "the tenant the key belongs to (1–64 of a-z 0-9 - _)",
            HelpName = "NAME",
            DefaultValueFactory = _ => TenantId.Default.Value,
        };
        var create = new Command("create", "Create an API key for a tenant: the key on standard output (it is not shown again), its id (ak_…) on standard error.") { tenant };
        create.SetAction((result, cancellationToken) => host.RunAsync((ledger, ct) => CreateKeyAsync(ledger.Services, result.GetValue(tenant)!, ct), cancellationToken));
        return new Command("keys", "API keys.") { create };
    }

    private static async Task<int> CreateKeyAsync(IServiceProvider services, string tenant, CancellationToken cancellationToken)
    {
        var keys = services.GetRequiredService<ApiKeys>();
        await keys.LoadAsync(cancellationToken);
        var issued = await keys.CreateAsync(new TenantId(tenant), null, cancellationToken);
        // The key alone on standard output, so KEY=$(… keys create) keeps working; its id beside it, for revoking it later.
        Console.WriteLine(issued.Secret);
        Console.Error.WriteLine($"API key {issued.Key.Id} for tenant '{tenant}' (the key above is shown once; Ledger keeps only its hash)");
        return 0;
    }
}
