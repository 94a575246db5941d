import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { CIRCUIT_CHANGED, RESET_BREAKER, ROTATE_SECRET, SEND_TEST, UPDATE_WEBHOOK, webhooksQuery } from './queries.js';
import { Dialog } from './Dialog.jsx';
import { BulkReplay, failedOf } from './BulkReplay.jsx';
import { Sparkline } from './Sparkline.jsx';
import { useDeliveryUpdates } from './live.js';
import { describeError } from './errors.js';
import { copyText, formatTime, relativeTime } from './format.js';
import { hrefWith, onLinkClick } from './url.js';

const CIRCUIT_TEXT = { CLOSED: 'Closed (delivering)', OPEN: 'Open (paused)', HALF_OPEN: 'Half-open (probing)' };

export function Endpoints({ capabilities, reportError }) {
  const client = useClient();
  const query = useMemo(() => webhooksQuery(capabilities), [capabilities]);
  // The sparkline's day, fixed when the view opens (a moving start would make every render a new query).
  const [since] = useState(() => new Date(Date.now() - 23 * 3_600_000).toISOString());
  const [{ data, error, fetching }, refetch] = useQuery({ query, variables: { since } });
  const [confirming, setConfirming] = useState(null);
  const [secret, setSecret] = useState(null);
  const [replaying, setReplaying] = useState(null);
  const [message, setMessage] = useState('');
  const problem = describeError(error);

  // Breaker transitions and delivery outcomes change what the cards show: they are read again as they happen, at
  // most once a second however busy the tenant is.
  const timer = useRef(null);
  const reload = useCallback(() => {
    if (timer.current === null) {
      timer.current = setTimeout(() => {
        timer.current = null;
        refetch({ requestPolicy: 'network-only' });
      }, 1000);
    }
  }, [refetch]);
  useEffect(() => () => clearTimeout(timer.current), []);
  useEffect(() => {
    if (!capabilities.subscription.has('circuitBreakerChanged')) {
      return undefined;
    }
    const subscription = client.subscription(CIRCUIT_CHANGED, {}).subscribe((result) => result.data && reload());
    return () => subscription.unsubscribe();
  }, [client, capabilities, reload]);
  useDeliveryUpdates((delivery) => {
    if (delivery.status !== 'PENDING' && data?.webhooks.edges.some((edge) => edge.node.id === delivery.webhook?.id)) {
      reload();
    }
  });
  useEffect(() => {
    if (error) {
      reportError(error);
    }
  }, [error, reportError]);

  async function run(mutation, variables, done) {
    const result = await client.mutation(mutation, variables).toPromise();
    if (result.error) {
      setMessage(reportError(result.error)?.message);
      return;
    }
    done(result.data);
    refetch({ requestPolicy: 'network-only' });
  }

  const hooks = data?.webhooks.edges.map((edge) => edge.node) ?? [];
  return (
    <section aria-labelledby="endpoints-title">
      <h1 id="endpoints-title">Endpoints</h1>
      <p role="status" className="muted" data-testid="endpoints-message">
        {message || (fetching ? 'Loading…' : `${data?.webhooks.totalCount ?? 0} webhooks`)}
      </p>
      {problem && (
        <p className="error" role="alert">
          {problem.message}
        </p>
      )}
      <ul className="cards">
        {hooks.map((hook) => (
          <li key={hook.id} className="card" data-testid="endpoint" data-id={hook.id}>
            <h2 className="url">{hook.url}</h2>
            <p className="muted mono small">{hook.id}</p>
            {hook.description && <p>{hook.description}</p>}
            <dl className="facts">
              <dt>State</dt>
              <dd data-testid="endpoint-state">
                <span className={`badge ${hook.active ? 'badge-delivered' : 'badge-failed'}`}>{hook.active ? 'Active' : 'Disabled'}</span>
                {!hook.active && hook.disabledReason && <span className="muted"> — {hook.disabledReason}</span>}
              </dd>
              <dt>Circuit</dt>
              <dd data-testid="endpoint-circuit">
                {CIRCUIT_TEXT[hook.circuitState] ?? hook.circuitState}
                {hook.circuitOpenedAt && <span className="muted"> · opened {relativeTime(hook.circuitOpenedAt)}</span>}
                {hook.nextProbeAt && <span className="muted"> · next probe {formatTime(hook.nextProbeAt)}</span>}
              </dd>
              <dt>Profile</dt>
              <dd>{hook.profile}</dd>
              <dt>Events</dt>
              <dd>{hook.events.length ? hook.events.join(', ') : 'all'}</dd>
              <dt>Success</dt>
              <dd>
                {hook.stats.successRate == null ? 'no deliveries yet' : `${(hook.stats.successRate * 100).toFixed(1)}%`} · {hook.stats.total} deliveries,{' '}
                {hook.stats.failed} failed
                <Sparkline buckets={hook.series} />
              </dd>
            </dl>
            <div className="actions">
              <a href={hrefWith({ view: null, webhook: hook.id })} onClick={onLinkClick}>
                Deliveries
              </a>
              {capabilities.canManage && (
                <button type="button" onClick={() => setConfirming(hook)}>
                  {hook.active ? 'Disable…' : 'Enable…'}
                </button>
              )}
              {capabilities.canResetBreaker && hook.circuitState !== 'CLOSED' && (
                <button type="button" onClick={() => run(RESET_BREAKER, { id: hook.id }, () => setMessage(`Circuit breaker of ${hook.url} reset.`))}>
                  Reset breaker
                </button>
              )}
              {capabilities.canReplayJobs && (
                <button type="button" onClick={() => setReplaying(hook)}>
                  Replay failed…
                </button>
              )}
              {capabilities.canTest && (
                <button
                  type="button"
                  onClick={() => run(SEND_TEST, { id: hook.id }, (result) => setMessage(`Test event sent: delivery ${result.sendTestEvent.id}.`))}
                >
                  Send test event
                </button>
              )}
              {capabilities.canRotate && (
                <button type="button" onClick={() => run(ROTATE_SECRET, { id: hook.id }, (result) => setSecret({ hook, value: result.rotateWebhookSecret.secret }))}>
                  Rotate secret
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {confirming && (
        <Dialog
          title={`${confirming.active ? 'Disable' : 'Enable'} this endpoint?`}
          onClose={() => setConfirming(null)}
          actions={
            <>
              <button type="button" onClick={() => setConfirming(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="primary"
                onClick={() => {
                  const hook = confirming;
                  setConfirming(null);
                  run(UPDATE_WEBHOOK, { id: hook.id, active: !hook.active }, () => setMessage(`${hook.url} ${hook.active ? 'disabled' : 'enabled'}.`));
                }}
              >
                {confirming.active ? 'Disable' : 'Enable'}
              </button>
            </>
          }
        >
          <p>
            {confirming.active
              ? `${confirming.url} will receive nothing until it is enabled again; deliveries wait meanwhile.`
              : `${confirming.url} will receive deliveries again.`}
          </p>
        </Dialog>
      )}
      {replaying && (
        <BulkReplay
          title="Replay failed deliveries?"
          what={`Failed deliveries to ${replaying.url}.`}
          select={failedOf(replaying.id)}
          periods
          reportError={reportError}
          onClose={() => setReplaying(null)}
          onEnded={(job) => {
            setMessage(`Replay ${job.status === 'CANCELLED' ? 'cancelled' : 'done'}: ${job.done} of ${job.total} failed deliveries of ${replaying.url} queued again.`);
            refetch({ requestPolicy: 'network-only' });
          }}
        />
      )}
      {secret && (
        <Dialog
          title="New signing secret"
          onClose={() => setSecret(null)}
          actions={
            <>
              <button type="button" onClick={() => copyText(secret.value)}>
                Copy secret
              </button>
              <button type="button" className="primary" onClick={() => setSecret(null)}>
                Done
              </button>
            </>
          }
        >
          <p>This is the only time the secret of {secret.hook.url} is shown. The old secret keeps working during the overlap.</p>
          <pre className="code-block" data-testid="new-secret">
            {secret.value}
          </pre>
        </Dialog>
      )}
    </section>
  );
}
