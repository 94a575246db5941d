using Prometheus;

namespace Ledger.Server.Hosting;

/// <summary>What prometheus-net's default registry shows besides the Ledger meter: process metrics only.</summary>
public static class LedgerMetricsRegistry
{
    private static int _suppressed;

    /// <summary>Turns off prometheus-net's adapters for every .NET meter and event counter; once per process, before the registry is used.</summary>
    public static void SuppressOtherMeters()
    {
        if (Interlocked.Exchange(ref _suppressed, 1) == 0)
        {
            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
            {
                SuppressMeters = true,
                SuppressEventCounters = true,
                SuppressDebugMetrics = true,
            });
        }
    }
}
