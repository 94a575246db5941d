using Ledger.GraphQL;
using Ledger.Keys;
using Ledger.Server.Api;
using Ledger.Server.Auth;
using Ledger.Server.Cli;
using Ledger.Server.Hosting;
using Ledger.Server.Inspector;
using Microsoft.Extensions.Options;
using Prometheus;

if (LedgerCommandLine.IsVerbInvocation(args))
{
    return await LedgerCommandLine.RunAsync(args);
}

// /metrics shows the Ledger meter (DeliveryMetrics) and the process collectors. prometheus-net would also re-publish
// every .NET meter (Kestrel, HttpClient, QUIC internals, and the Ledger meter a second time as ledger_ledger_*),
// which cost ~7% of the server's CPU per delivery in bench (a); OpenTelemetry export is the way to those meters.
LedgerMetricsRegistry.SuppressOtherMeters();

WebApplication app;
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
    builder.Services
        .AddLedgerStorage(builder.Configuration)
        .AddLedgerTelemetry(builder.Configuration)
        .AddLedgerProjections()
        .AddLedgerKeys(builder.Configuration)
        .AddLedgerDelivery()
        .AddLedgerGraphQL(sp => sp.GetRequiredService<ApiKeys>().Authenticate)
        .AddLedgerErrors()
        .AddLedgerOpenApi()
        .AddLedgerHealthChecks()
        .AddLedgerInspector()
        .AddSingleton<LedgerStartup>();
    builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();

    app = builder.Build();
    app.Services.GetRequiredService<IStartupValidator>().Validate();
    if (LedgerKeys.StartRefusal(builder.Configuration) is { } refusal)
    {
        Console.Error.WriteLine(refusal);
        return 1;
    }
    await app.Services.GetRequiredService<LedgerStartup>().InitializeAsync(app.Lifetime.ApplicationStopping);
}
catch (Exception ex) when (ex is LedgerConfigurationException or OptionsValidationException or KeyConfigurationException
    || (ex is InvalidOperationException && ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)))
{
    // A bad setting is the operator's to fix: one line naming it and its rule, no stack trace.
    Console.Error.WriteLine($"Ledger cannot start: {ex.Message}");
    return 1;
}

app.UseLedgerErrors();
app.UseWebSockets();
app.UseLedgerAuthentication(app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.RequireApiKey);
app.MapLedgerHealth();
app.MapLedgerHealthChecks();
app.MapLedgerRestApi();
app.MapLedgerOpenApi();
app.MapLedgerSigningKeys();
app.MapLedgerGraphQL();
app.MapLedgerInspector();
app.MapMetrics("/metrics");
if (app.Environment.IsDevelopment())
{
    app.MapDevelopmentReceiver();
}
await app.RunAsync();
return 0;

/// <summary>The host's entry point (public so tests can start it in-process).</summary>
public partial class Program;
