const WIDTH = 120;
const HEIGHT = 28;

/** Deliveries per hour over the last day (the webhook's statsSeries), as bars; failed ones in the failure colour. */
export function Sparkline({ buckets }) {
  const ok = buckets.map((b) => Math.max(b.deliveriesCreated - b.failed, 0));
  const bad = buckets.map((b) => b.failed);
  const peak = Math.max(1, ...ok.map((n, i) => n + bad[i]));
  const total = buckets.reduce((a, b) => a + b.deliveriesCreated, 0);
  const failed = bad.reduce((a, b) => a + b, 0);
  const bar = WIDTH / Math.max(buckets.length, 1);
  return (
    <svg
      className="sparkline"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`${total} ${total === 1 ? 'delivery' : 'deliveries'} in the last 24 hours, ${failed} failed`}
      data-testid="sparkline"
    >
      {ok.map((n, i) => {
        const okHeight = (n / peak) * HEIGHT;
        const badHeight = (bad[i] / peak) * HEIGHT;
        return (
          <g key={buckets[i].start}>
            {n > 0 && <rect className="spark-ok" x={i * bar} y={HEIGHT - okHeight} width={Math.max(bar - 1, 1)} height={okHeight} />}
            {bad[i] > 0 && <rect className="spark-bad" x={i * bar} y={HEIGHT - okHeight - badHeight} width={Math.max(bar - 1, 1)} height={badHeight} />}
          </g>
        );
      })}
    </svg>
  );
}
