import { useCallback, useEffect, useMemo, useState } from 'react';
import { useClient } from 'urql';
import uPlot from 'uplot';
import { STATS, STATS_SERIES } from './queries.js';
import { describeError } from './errors.js';
import { rangeStart } from './filters.js';
import { navigate } from './url.js';
import { Chart } from './Chart.jsx';

// Each preset with the bucket width that gives it a readable number of points (at most the server's 1440).
const RANGES = [
  ['1h', 'Last hour', 'MINUTE'],
  ['24h', 'Last 24 hours', 'HOUR'],
  ['7d', 'Last 7 days', 'HOUR'],
  ['30d', 'Last 30 days', 'DAY'],
];
const COLOURS = { created: '#3949ab', delivered: '#2e7d32', failed: '#c62828', p50: '#00838f', p95: '#ef6c00', bars: '#c62828' };
const CLASSES = [
  ['status2xx', '2xx'],
  ['status3xx', '3xx'],
  ['status4xx', '4xx'],
  ['status5xx', '5xx'],
  ['other', 'Other status'],
  ['noResponse', 'No response'],
];

const percent = (value) => (value == null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
const ms = (value) => (value == null ? 'n/a' : `${Math.round(value)} ms`);
const sum = (values) => values.reduce((a, b) => a + b, 0);
const when = (bucket) => new Date(bucket.start).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
// Points as well as lines: a bucket between two empty ones (no attempts, so no rate) is a lone point.
const line = (label, stroke) => ({ label, stroke, width: 2, points: { show: true, size: 5, fill: stroke } });
// Counts and rates start at zero, however small the differences.
const fromZero = { range: (_, __, max) => [0, max > 0 ? max * 1.1 : 1] };

export function Health({ params, capabilities, reportError, theme }) {
  const client = useClient();
  const range = RANGES.find(([id]) => id === params.get('period')) ?? RANGES[1];
  const [stats, setStats] = useState(null);
  const [series, setSeries] = useState(null);
  const [problem, setProblem] = useState(null);
  const [round, setRound] = useState(0);

  const refresh = useCallback(() => setRound((n) => n + 1), []);

  useEffect(() => {
    let cancelled = false;
    const since = rangeStart(range[0]);
    (async () => {
      const [totals, buckets] = await Promise.all([
        client.query(STATS, { since }).toPromise(),
        capabilities.statsSeries ? client.query(STATS_SERIES, { granularity: range[2], since }).toPromise() : Promise.resolve(null),
      ]);
      if (cancelled) {
        return;
      }
      const error = totals.error ?? buckets?.error;
      if (error) {
        reportError(error);
        setProblem(describeError(error).message);
        return;
      }
      setProblem(null);
      setStats(totals.data.stats);
      setSeries(buckets ? buckets.data.statsSeries : null);
    })();
    return () => {
      cancelled = true;
    };
  }, [client, range, reportError, capabilities, round]);

  const charts = useMemo(() => (series ? seriesCharts(series, range[1].toLowerCase()) : []), [series, range]);

  return (
    <section aria-labelledby="health-title">
      <h1 id="health-title">Health</h1>
      <div className="tail-controls">
        <label>
          Period{' '}
          <select value={range[0]} onChange={(event) => navigate({ period: event.target.value })}>
            {RANGES.map(([id, text]) => (
              <option key={id} value={id}>
                {text}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={refresh}>
          Refresh
        </button>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {stats && (
        <dl className="kpis" data-testid="kpis">
          <div>
            <dt>Deliveries</dt>
            <dd>{stats.total}</dd>
          </div>
          <div>
            <dt>Success rate</dt>
            <dd>{percent(stats.successRate)}</dd>
          </div>
          <div>
            <dt>Failed</dt>
            <dd>{stats.failed}</dd>
          </div>
          <div>
            <dt>Pending</dt>
            <dd>{stats.pending}</dd>
          </div>
          <div>
            <dt>Latency p50</dt>
            <dd>{ms(stats.p50LatencyMs)}</dd>
          </div>
          <div>
            <dt>Latency p95</dt>
            <dd>{ms(stats.p95LatencyMs)}</dd>
          </div>
        </dl>
      )}
      {stats && !capabilities.statsSeries && <p className="muted">This server keeps no statistics over time, so there are no charts.</p>}
      <div className="charts">
        {charts.map((chart) => (
          <figure key={chart.id} data-testid={`figure-${chart.id}`}>
            <figcaption>{chart.title}</figcaption>
            {chart.data && <Chart options={chart.options} data={chart.data} label={chart.title} theme={theme} />}
            <p className="summary" data-testid={`${chart.id}-summary`}>
              {chart.summary}
            </p>
          </figure>
        ))}
      </div>
    </section>
  );
}

function timeChart(buckets, series) {
  return {
    data: [buckets.map((b) => Math.round(new Date(b.start).getTime() / 1000)), ...series.map((s) => s.values)],
    options: { scales: { x: { time: true }, y: fromZero }, series: [{}, ...series.map((s) => line(s.label, s.stroke))] },
  };
}

function barChart(entries, label, colour = COLOURS.bars) {
  const labels = entries.map(([key]) => key);
  return {
    data: [labels.map((_, i) => i), entries.map(([, n]) => n)],
    options: {
      scales: { x: { time: false, range: [-0.5, Math.max(labels.length - 0.5, 0.5)] }, y: fromZero },
      axes: [{ values: (_, ticks) => ticks.map((t) => labels[t] ?? ''), splits: () => labels.map((_, i) => i) }, {}],
      series: [{}, { label, fill: colour, stroke: colour, paths: uPlot.paths.bars({ size: [0.6, 64] }), points: { show: false } }],
      legend: { show: false },
    },
  };
}

/** The period's charts, each with a sentence that says what it shows for those who cannot see it. */
function seriesCharts(buckets, period) {
  const created = buckets.map((b) => b.deliveriesCreated);
  const delivered = buckets.map((b) => b.delivered);
  const failed = buckets.map((b) => b.failed);
  const busiest = buckets.reduce((best, b) => (b.deliveriesCreated > (best?.deliveriesCreated ?? 0) ? b : best), null);
  const volume = {
    id: 'volume',
    title: 'Deliveries over time',
    ...timeChart(buckets, [
      { label: 'Created', stroke: COLOURS.created, values: created },
      { label: 'Delivered', stroke: COLOURS.delivered, values: delivered },
      { label: 'Failed', stroke: COLOURS.failed, values: failed },
    ]),
    summary: `In the ${period}: ${sum(created)} deliveries created, ${sum(delivered)} delivered, ${sum(failed)} failed${
      busiest ? `; busiest at ${when(busiest)} with ${busiest.deliveriesCreated}` : ''
    }.`,
  };

  const rates = buckets.map((b) => (b.attempts > 0 ? (100 * b.attemptsFailed) / b.attempts : null));
  const attempts = sum(buckets.map((b) => b.attempts));
  const failedAttempts = sum(buckets.map((b) => b.attemptsFailed));
  const worstIndex = rates.reduce((worst, rate, i) => (rate != null && (worst < 0 || rate > rates[worst]) ? i : worst), -1);
  const errors = {
    id: 'errors',
    title: 'Error rate of attempts (%)',
    ...timeChart(buckets, [{ label: 'Failed attempts %', stroke: COLOURS.failed, values: rates }]),
    summary: attempts
      ? `${failedAttempts} of ${attempts} attempts failed (${((100 * failedAttempts) / attempts).toFixed(1)}%); highest ${rates[worstIndex].toFixed(1)}% at ${when(buckets[worstIndex])}.`
      : `No attempts in the ${period}.`,
  };

  const p50 = buckets.map((b) => b.p50LatencyMs ?? null);
  const p95 = buckets.map((b) => b.p95LatencyMs ?? null);
  const known95 = p95.filter((v) => v != null);
  const known50 = p50.filter((v) => v != null);
  const latency = {
    id: 'latency',
    title: 'Attempt latency, p50 and p95 (ms)',
    ...timeChart(buckets, [
      { label: 'p50', stroke: COLOURS.p50, values: p50 },
      { label: 'p95', stroke: COLOURS.p95, values: p95 },
    ]),
    summary: known95.length
      ? `p50 between ${ms(Math.min(...known50))} and ${ms(Math.max(...known50))}; p95 at most ${ms(Math.max(...known95))}.`
      : `No attempt latency in the ${period}.`,
  };

  const classes = CLASSES.map(([key, label]) => [label, sum(buckets.map((b) => b.attemptsByStatusClass[key]))]).filter(([, n]) => n > 0);
  const byClass = {
    id: 'classes',
    title: 'Attempts by answer',
    ...(classes.length ? barChart(classes, 'Attempts', COLOURS.created) : {}),
    summary: classes.length ? `Attempts by answer: ${classes.map(([k, n]) => `${k}: ${n}`).join(', ')}.` : `No attempts in the ${period}.`,
  };

  const codeCounts = new Map();
  for (const bucket of buckets) {
    for (const { code, count } of bucket.attemptsByFailureCode) {
      codeCounts.set(code, (codeCounts.get(code) ?? 0) + count);
    }
  }
  const codes = [...codeCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  const byCode = {
    id: 'codes',
    title: 'Failed attempts by failure code',
    ...(codes.length ? barChart(codes, 'Failed attempts') : {}),
    summary: codes.length ? `Failed attempts by failure code: ${codes.map(([k, n]) => `${k}: ${n}`).join(', ')}.` : `No failed attempts in the ${period}.`,
  };
  return [volume, errors, latency, byClass, byCode];
}
