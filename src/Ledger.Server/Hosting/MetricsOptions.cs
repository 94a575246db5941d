namespace Ledger.Server.Hosting;

/// <summary><c>Ledger:Metrics</c>: who may read <c>/metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Ledger:Metrics";

    /// <summary>When true, <c>/metrics</c> asks for an API key like <c>/v1</c>; off by default (a private scrape port).</summary>
    public bool RequireApiKey { get; set; }
}
