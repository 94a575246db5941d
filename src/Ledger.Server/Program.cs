using Ledger.GraphQL;
using Ledger.Server.Api;
using Ledger.Server.Auth;
using Ledger.Server.Cli;
using Ledger.Server.Hosting;
using Prometheus;

if (args.Length > 0 && CliVerbs.IsVerb(args[0]))
{
    return await CliVerbs.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 1024 * 1024);
builder.Services
    .AddLedgerStorage(builder.Configuration)
    .AddLedgerProjections()
    .AddLedgerDelivery(builder.Configuration)
    .AddLedgerGraphQL(sp => sp.GetRequiredService<ApiKeys>().Authenticate)
    .AddSingleton<LedgerStartup>();

var app = builder.Build();
await app.Services.GetRequiredService<LedgerStartup>().InitializeAsync(app.Lifetime.ApplicationStopping);

app.UseWebSockets();
app.UseLedgerErrors();
app.UseLedgerAuthentication();
app.MapLedgerHealth();
app.MapLedgerRestApi();
app.MapLedgerGraphQL();
app.MapMetrics("/metrics");
if (app.Environment.IsDevelopment())
{
    app.MapDevelopmentReceiver();
}
await app.RunAsync();
return 0;

/// <summary>The host's entry point (public so tests can start it in-process).</summary>
public partial class Program;
