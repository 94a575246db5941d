using System.Diagnostics.Metrics;
using Ledger.Dispatcher.Http;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;

namespace Ledger.Server.Hosting;

/// <summary>
/// The <c>Ledger</c> meter (OpenTelemetry names and units): deliveries by outcome, attempts by outcome with their
/// latency, the queue depth, attempts in flight and the read models' position. <c>/metrics</c> shows it through
/// <see cref="PrometheusMeterBridge"/> under the Prometheus names docs/observability.md lists.
/// </summary>
public sealed class DeliveryMetrics : IProjectionObserver
{
    public const string MeterName = "Ledger";

    private const string Outcome = "outcome";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Deliveries = Meter.CreateCounter<long>(
        "ledger.deliveries", "{delivery}", "Deliveries that reached a terminal state, by outcome.");

    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>(
        "ledger.attempts", "{attempt}", "Delivery attempts, by outcome (ok or the failure code).");

    private static readonly Histogram<double> AttemptDuration = Meter.CreateHistogram(
        "ledger.attempt.duration", "s", "Time from sending an attempt to its answer (or failure).", tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [.. Enumerable.Range(0, 15).Select(i => 0.001 * Math.Pow(2, i))] });

    private static Func<int> _queueDepth = () => 0;
    private static Func<int> _inFlight = () => 0;
    private static long _projectionPosition;

    static DeliveryMetrics()
    {
        Meter.CreateObservableGauge("ledger.queue.depth", () => _queueDepth(), "{delivery}", "Unsettled deliveries the dispatcher holds.");
        Meter.CreateObservableGauge("ledger.attempts.in_flight", () => _inFlight(), "{attempt}", "Attempts being sent right now.");
        Meter.CreateObservableGauge("ledger.projection.position", () => Volatile.Read(ref _projectionPosition), "{position}", "Ledger position the read models have reached.");
        Bridge = new PrometheusMeterBridge(MeterName, name => name is "ledger.deliveries" or "ledger.attempts" ? [Outcome] : []);
    }

    private static PrometheusMeterBridge Bridge { get; }

    public void OnCommitted(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, long position)
    {
        foreach (var (_, e) in batch)
        {
            switch (e)
            {
                case DeliveryCompleted:
                    Deliveries.Add(1, new KeyValuePair<string, object?>(Outcome, "delivered"));
                    break;
                case DeliveryFailed:
                    Deliveries.Add(1, new KeyValuePair<string, object?>(Outcome, "failed"));
                    break;
            }
        }
        Volatile.Write(ref _projectionPosition, position);
    }

    public static void RecordAttempt(SendResult result)
    {
        Attempts.Add(1, new KeyValuePair<string, object?>(Outcome, result.FailureCode ?? "ok"));
        AttemptDuration.Record(result.DurationMs / 1000.0);
    }

    /// <summary>Where the dispatcher's gauges are read at each scrape.</summary>
    public static void Observe(Func<int> queueDepth, Func<int> inFlight)
    {
        _queueDepth = queueDepth;
        _inFlight = inFlight;
    }
}
