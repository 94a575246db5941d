using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Ledger.Server.Hosting;

/// <summary>
/// Shows one <see cref="Meter"/>'s instruments on prometheus-net's <c>/metrics</c> under the OpenTelemetry →
/// Prometheus names (<c>ledger.attempt.duration</c> in <c>s</c> → <c>ledger_attempt_duration_seconds</c>, a counter
/// gains <c>_total</c>), with no extra labels or timestamps, so scrapers that parse today's text keep working.
/// Observable instruments are read at each scrape; histogram buckets come from the instrument's advice.
/// </summary>
public sealed class PrometheusMeterBridge : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>> _sinks = new();
    private readonly Func<string, string[]> _labelNames;

    /// <param name="meterName">The meter to show.</param>
    /// <param name="labelNames">The tag keys an instrument's measurements carry, which become its labels (in this order).</param>
    public PrometheusMeterBridge(string meterName, Func<string, string[]> labelNames)
    {
        _labelNames = labelNames;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && Sink(instrument) is { } sink)
            {
                _sinks[instrument] = sink;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    public static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        name += instrument.Unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => "",
        };
        return instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> ? name + "_total" : name;
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_sinks.TryGetValue(instrument, out var sink))
        {
            sink(value, tags);
        }
    }

    private Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>? Sink(Instrument instrument)
    {
        var name = PrometheusName(instrument);
        var help = instrument.Description ?? name;
        var labels = _labelNames(instrument.Name);
        switch (instrument)
        {
            case Counter<long> or Counter<int> or Counter<double>:
                var counter = Metrics.CreateCounter(name, help, new CounterConfiguration { LabelNames = labels });
                return (value, tags) => counter.WithLabels(Values(labels, tags)).Inc(value);
            case Histogram<double> histogram:
                var buckets = histogram.Advice?.HistogramBucketBoundaries?.ToArray();
                var prometheus = Metrics.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = labels, Buckets = buckets });
                return (value, tags) => prometheus.WithLabels(Values(labels, tags)).Observe(value);
            case ObservableGauge<long> or ObservableGauge<int> or ObservableGauge<double>:
                var gauge = Metrics.CreateGauge(name, help, new GaugeConfiguration { LabelNames = labels });
                return (value, tags) => gauge.WithLabels(Values(labels, tags)).Set(value);
            default:
                return null;
        }
    }

    private static string[] Values(string[] labels, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var values = new string[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            values[i] = "";
            foreach (var tag in tags)
            {
                if (tag.Key == labels[i])
                {
                    values[i] = tag.Value?.ToString() ?? "";
                }
            }
        }
        return values;
    }
}
