import { useEffect, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
import { Dialog } from './Dialog.jsx';
import { describeError } from './errors.js';
import { CANCEL_REPLAY, FAILED_IDS, REPLAY_PROGRESS, START_REPLAY } from './queries.js';
import { rangeStart } from './filters.js';

export const PERIODS = [
  ['1h', 'the last hour'],
  ['24h', 'the last 24 hours'],
  ['7d', 'the last 7 days'],
  ['30d', 'the last 30 days'],
];
// Counting stops here; the replay itself has no such limit (its job says how many it took).
const COUNT_LIMIT = 2500;

const JOB_TEXT = { RUNNING: 'Replaying', COMPLETED: 'Done', CANCELLED: 'Cancelled' };

/**
 * A bulk replay as a server job: counts what it would replay first, asks, starts it (`startReplay`), follows it live
 * (`replayJobProgress`: done, failed and total as they change) and can cancel it. `select(period)` gives the filter
 * to count with (null: nothing to replay) and the job's input; with `periods` the user picks the period first.
 */
export function BulkReplay({ title, what, select, periods = false, reportError, onClose, onEnded }) {
  const client = useClient();
  const [period, setPeriod] = useState('24h');
  const [count, setCount] = useState(null);
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState(null);
  const following = useRef(null);
  // Once per period: a period's start moves with the clock, and the count must not restart on every render.
  const { countFilter, input } = useMemo(() => select(period), [period]); // eslint-disable-line react-hooks/exhaustive-deps
  const countKey = JSON.stringify(countFilter);

  const fail = (error) => {
    reportError(error);
    setProblem(describeError(error).message);
  };

  useEffect(() => {
    if (job) {
      return undefined;
    }
    let cancelled = false;
    setCount(countKey === 'null' ? { total: 0, more: false } : null);
    if (countKey === 'null') {
      return undefined;
    }
    (async () => {
      let total = 0;
      let after = null;
      while (total < COUNT_LIMIT) {
        const result = await client.query(FAILED_IDS, { filter: JSON.parse(countKey), after }).toPromise();
        if (cancelled) {
          return;
        }
        if (result.error) {
          fail(result.error);
          return;
        }
        total += result.data.deliveries.edges.length;
        if (!result.data.deliveries.pageInfo.hasNextPage) {
          setCount({ total, more: false });
          return;
        }
        after = result.data.deliveries.pageInfo.endCursor;
      }
      setCount({ total, more: true });
    })();
    return () => {
      cancelled = true;
    };
  }, [client, countKey]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => () => following.current?.unsubscribe(), []);

  async function start() {
    setBusy(true);
    setProblem(null);
    const result = await client.mutation(START_REPLAY, { input }).toPromise();
    setBusy(false);
    if (result.error) {
      fail(result.error);
      return;
    }
    const started = result.data.startReplay;
    setJob(started);
    following.current = client.subscription(REPLAY_PROGRESS, { id: started.id }).subscribe((update) => {
      if (update.error) {
        fail(update.error);
        return;
      }
      const now = update.data?.replayJobProgress;
      if (now) {
        setJob((previous) => (previous && previous.status !== 'RUNNING' ? previous : now));
        if (now.status !== 'RUNNING') {
          onEnded?.(now);
        }
      }
    });
  }

  async function cancel() {
    setBusy(true);
    const result = await client.mutation(CANCEL_REPLAY, { id: job.id }).toPromise();
    setBusy(false);
    if (result.error) {
      fail(result.error);
      return;
    }
    setJob(result.data.cancelReplay);
    onEnded?.(result.data.cancelReplay);
  }

  const countText =
    count === null
      ? 'Counting…'
      : `${count.total}${count.more ? '+' : ''} ${count.total === 1 ? 'delivery' : 'deliveries'} will be delivered again.`;
  const running = job?.status === 'RUNNING';
  return (
    <Dialog
      title={title}
      onClose={onClose}
      actions={
        job ? (
          <>
            {running && (
              <button type="button" onClick={cancel} disabled={busy}>
                Cancel replay
              </button>
            )}
            <button type="button" className="primary" onClick={onClose}>
              {running ? 'Close (keeps running)' : 'Close'}
            </button>
          </>
        ) : (
          <>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="primary" disabled={busy || !count || count.total === 0} onClick={start}>
              {count ? `Replay ${count.total}${count.more ? '+' : ''}` : 'Replay'}
            </button>
          </>
        )
      }
    >
      <p>{what}</p>
      {periods && !job && (
        <label>
          Created in{' '}
          <select value={period} onChange={(event) => setPeriod(event.target.value)}>
            {PERIODS.map(([id, text]) => (
              <option key={id} value={id}>
                {text}
              </option>
            ))}
          </select>
        </label>
      )}
      {!job && (
        <p role="status" data-testid="replay-count">
          {countText}
        </p>
      )}
      {job && (
        <div className="job" data-testid="replay-job" data-status={job.status}>
          <progress max={Math.max(job.total, 1)} value={job.done + job.failed} aria-label="Replay progress" />
          <p role="status" data-testid="replay-progress">
            {JOB_TEXT[job.status] ?? job.status}: {job.done} of {job.total} redelivered
            {job.failed > 0 ? `, ${job.failed} refused` : ''}
            {job.status === 'CANCELLED' && job.cancelledBy ? ` (cancelled by ${job.cancelledBy})` : ''}.
          </p>
          <p className="muted small">
            {job.selection} · job <span className="mono">{job.id}</span>
          </p>
        </div>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </Dialog>
  );
}

/** The failed deliveries of one webhook created in the chosen period. */
export const failedOf = (webhookId) => (period) => {
  const since = rangeStart(period);
  return { countFilter: { webhookId, status: ['FAILED'], since }, input: { webhookId, since } };
};
