using Ledger.Dispatcher.Http;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.Projections;
using Prometheus;

namespace Ledger.Server.Hosting;

/// <summary>What <c>/metrics</c> shows: deliveries by outcome, attempts by outcome with their latency, and the queue depth.</summary>
public sealed class DeliveryMetrics : IProjectionObserver
{
    private static readonly Counter Deliveries = Metrics.CreateCounter(
        "ledger_deliveries_total", "Deliveries that reached a terminal state, by outcome.", new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Counter Attempts = Metrics.CreateCounter(
        "ledger_attempts_total", "Delivery attempts, by outcome (ok or the failure code).", new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Histogram AttemptDuration = Metrics.CreateHistogram(
        "ledger_attempt_duration_seconds", "Time from sending an attempt to its answer (or failure).",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 15) });

    private static readonly Gauge QueueDepth = Metrics.CreateGauge("ledger_queue_depth", "Unsettled deliveries the dispatcher holds.");

    private static readonly Gauge InFlight = Metrics.CreateGauge("ledger_attempts_in_flight", "Attempts being sent right now.");

    private static readonly Gauge ProjectionPosition = Metrics.CreateGauge("ledger_projection_position", "Ledger position the read models have reached.");

    public void OnCommitted(IReadOnlyList<(StoredEvent Stored, ILedgerEvent Event)> batch, long position)
    {
        foreach (var (_, e) in batch)
        {
            switch (e)
            {
                case DeliveryCompleted:
                    Deliveries.WithLabels("delivered").Inc();
                    break;
                case DeliveryFailed:
                    Deliveries.WithLabels("failed").Inc();
                    break;
            }
        }
        ProjectionPosition.Set(position);
    }

    public static void RecordAttempt(SendResult result)
    {
        Attempts.WithLabels(result.FailureCode ?? "ok").Inc();
        AttemptDuration.Observe(result.DurationMs / 1000.0);
    }

    public static void Sample(int queueDepth, int inFlight)
    {
        QueueDepth.Set(queueDepth);
        InFlight.Set(inFlight);
    }
}
