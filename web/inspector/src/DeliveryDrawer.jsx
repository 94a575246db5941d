import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
import { REDELIVER, REDELIVER_EVENT, deliveryDetail } from './queries.js';
import { useDeliveryUpdates, useLive } from './live.js';
import { navigate } from './url.js';
import { copyText, curlCommand, formatTime, prettyJson, relativeTime } from './format.js';
import { StatusBadge } from './StatusBadge.jsx';

const FOCUSABLE = 'a[href], button:not([disabled]), input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';

export function DeliveryDrawer({ id, capabilities, reportError }) {
  const client = useClient();
  const { generation } = useLive();
  const [delivery, setDelivery] = useState(null);
  const [problem, setProblem] = useState(null);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const panel = useRef(null);
  const heading = useRef(null);

  const latest = useRef(0);
  const detailQuery = useMemo(() => deliveryDetail(capabilities), [capabilities]);

  // Answers can overtake each other; only the newest request's answer is shown.
  const load = useCallback(async () => {
    const mine = ++latest.current;
    const result = await client.query(detailQuery, { id }).toPromise();
    if (mine !== latest.current) {
      return;
    }
    if (result.error) {
      setProblem(reportError(result.error)?.message);
      return;
    }
    setProblem(result.data.delivery ? null : `No delivery ${id} here.`);
    setDelivery(result.data.delivery);
  }, [client, id, reportError, detailQuery]);

  useEffect(() => {
    setDelivery(null);
  }, [id]);

  // Again after the live feed resubscribes: updates in the gap were missed.
  useEffect(() => {
    load();
  }, [load, generation]);

  useDeliveryUpdates((update) => {
    if (update.id === id) {
      load();
    }
  });

  const close = useCallback(() => navigate({ delivery: null }), []);

  useEffect(() => {
    const opener = document.activeElement;
    heading.current?.focus();
    return () => {
      if (opener instanceof HTMLElement && opener.isConnected) {
        opener.focus();
      }
    };
  }, [id]);

  useEffect(() => {
    const onEscape = (event) => {
      if (event.key === 'Escape' && !document.querySelector('dialog[open]')) {
        close();
      }
    };
    document.addEventListener('keydown', onEscape);
    return () => document.removeEventListener('keydown', onEscape);
  }, [close]);

  function onKeyDown(event) {
    if (event.key !== 'Tab') {
      return;
    }
    const focusable = [...panel.current.querySelectorAll(FOCUSABLE)];
    if (focusable.length === 0) {
      return;
    }
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  async function act(mutation, variables, done) {
    setBusy(true);
    const result = await client.mutation(mutation, variables).toPromise();
    setBusy(false);
    if (result.error) {
      setMessage(reportError(result.error)?.message);
      return;
    }
    setMessage(done(result.data));
    load();
  }

  async function copy(label, text) {
    setMessage((await copyText(text)) ? `${label} copied.` : `Could not copy ${label.toLowerCase()}: the browser refused the clipboard.`);
  }

  const payload = delivery ? prettyJson(delivery.event.data) : '';
  const lastSent = delivery?.attemptLog.findLast((attempt) => attempt.request)?.request;
  const curl = delivery && (lastSent ? requestCurl(lastSent) : curlCommand({ url: delivery.webhook.url, body: delivery.event.data }));
  return (
    <>
      <div className="scrim" onClick={close} aria-hidden="true" />
      <aside className="drawer" role="dialog" aria-modal="true" aria-labelledby="drawer-title" ref={panel} onKeyDown={onKeyDown}>
        <header>
          <h2 id="drawer-title" tabIndex={-1} ref={heading}>
            Delivery <span className="mono">{id}</span>
          </h2>
          <button type="button" onClick={close} aria-label="Close delivery details">
            Close
          </button>
        </header>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        {!delivery && !problem && <p role="status">Loading…</p>}
        {delivery && (
          <div className="drawer-body">
            <div className="actions">
              {capabilities.canReplay && (
                <button type="button" className="primary" disabled={busy} onClick={() => act(REDELIVER, { id }, () => 'Replay queued: new attempts appear below as they happen.')}>
                  Replay delivery
                </button>
              )}
              {capabilities.canReplayEvent && (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => act(REDELIVER_EVENT, { id: delivery.event.id }, (data) => `Event replayed to ${data.redeliverEvent.length} endpoint(s).`)}
                >
                  Replay event
                </button>
              )}
              <button type="button" onClick={() => copy('Payload', payload)}>
                Copy payload
              </button>
              <button type="button" onClick={() => copy('Ids', `delivery ${delivery.id}\nevent ${delivery.event.id}\nwebhook ${delivery.webhook.id}`)}>
                Copy ids
              </button>
              <button type="button" onClick={() => copy('cURL command', curl)} title={lastSent ? 'The last request as sent, signatures included' : 'The payload posted to the endpoint'}>
                Copy as cURL
              </button>
            </div>
            <p role="status" className="muted" data-testid="drawer-message">
              {message}
            </p>
            <dl className="facts">
              <dt>Status</dt>
              <dd>
                <StatusBadge status={delivery.status} />
              </dd>
              <dt>Event</dt>
              <dd>
                <span className="mono">{delivery.event.id}</span> · {delivery.event.type}
              </dd>
              <dt>Endpoint</dt>
              <dd>
                {delivery.webhook.url} <span className="muted">({delivery.webhook.profile}, {delivery.webhook.id})</span>
              </dd>
              {delivery.event.orderingKey && (
                <>
                  <dt>Ordering key</dt>
                  <dd className="mono">{delivery.event.orderingKey}</dd>
                </>
              )}
              <dt>Created</dt>
              <dd>{formatTime(delivery.createdAt)}</dd>
              <dt>Attempts</dt>
              <dd>{delivery.attempts}</dd>
              {delivery.nextAttemptAt && (
                <>
                  <dt>Next retry</dt>
                  <dd>
                    {formatTime(delivery.nextAttemptAt)} ({relativeTime(delivery.nextAttemptAt)})
                  </dd>
                </>
              )}
              {delivery.deliveredAt && (
                <>
                  <dt>Delivered</dt>
                  <dd>{formatTime(delivery.deliveredAt)}</dd>
                </>
              )}
              {delivery.terminalFailureAt && (
                <>
                  <dt>Gave up</dt>
                  <dd>{formatTime(delivery.terminalFailureAt)}</dd>
                </>
              )}
            </dl>
            <details open>
              <summary>Payload</summary>
              <pre className="code-block" data-testid="payload">
                {payload}
              </pre>
            </details>
            <h3>Attempts</h3>
            {delivery.attemptLog.length === 0 && <p className="muted">No attempt yet.</p>}
            <ol className="attempts" data-testid="attempts">
              {delivery.attemptLog.map((attempt) => (
                <li key={attempt.number} data-testid="attempt">
                  <h4>
                    Attempt {attempt.number} · {attempt.statusCode ? `HTTP ${attempt.statusCode}` : attempt.failureCode ?? 'no response'}
                  </h4>
                  <dl className="facts">
                    <dt>Started</dt>
                    <dd>{formatTime(attempt.startedAt)}</dd>
                    <dt>Duration</dt>
                    <dd>{attempt.durationMs != null ? `${attempt.durationMs} ms` : '—'}</dd>
                    {attempt.failureCode && (
                      <>
                        <dt>Failure</dt>
                        <dd>
                          <code>{attempt.failureCode}</code> {attempt.errorMessage}
                        </dd>
                      </>
                    )}
                  </dl>
                  <div className="exchange">
                    <SentRequest attempt={attempt} shown={capabilities.requestAsSent} copy={copy} />
                    <Response attempt={attempt} copy={copy} />
                  </div>
                </li>
              ))}
            </ol>
            <h3>
              Ledger timeline <ChainMark verified={delivery.historyVerified} />
            </h3>
            <ol className="timeline" data-testid="timeline">
              {delivery.history.map((event) => (
                <li key={`${event.streamId}:${event.version}`}>
                  <span className="type">{event.type}</span> <time dateTime={event.occurredAt}>{formatTime(event.occurredAt)}</time>
                  <div className="muted mono small">
                    {event.streamId} v{event.version} · hash <span title={event.hash}>{event.hash.slice(0, 16)}…</span>
                  </div>
                </li>
              ))}
            </ol>
          </div>
        )}
      </aside>
    </>
  );
}

const headerLines = (headers) => headers.map((header) => `${header.name}: ${header.value}`).join('\n');

/** The request as sent replayed with cURL: every header but those cURL writes itself from the URL and the body. */
function requestCurl(request) {
  const headers = Object.fromEntries(
    request.headers.filter((header) => !/^(host|content-length)$/i.test(header.name)).map((header) => [header.name, header.value]),
  );
  return curlCommand({ method: request.method, url: request.url, headers, body: request.body });
}

function SentRequest({ attempt, shown, copy }) {
  const request = attempt.request;
  return (
    <section className="half" aria-label={`Request of attempt ${attempt.number}`} data-testid="request">
      <h5>Request as sent</h5>
      {!shown && <p className="muted">This server does not keep the request as sent.</p>}
      {shown && !request && (
        <p className="muted" data-testid="request-missing">
          Not recorded: the server cannot render this attempt's request again.
        </p>
      )}
      {request && (
        <>
          <p className="mono small wrap" data-testid="request-line">
            {request.method} {request.url}
          </p>
          {request.urlChangedSince && <p className="note">The endpoint's URL changed after this attempt: this is today's URL.</p>}
          {!request.exact && <p className="note">Not exact: signed again at the attempt's start, or a secret that signed it is no longer held.</p>}
          <pre className="code-block" data-testid="request-headers">
            {headerLines(request.headers)}
          </pre>
          <pre className="code-block" data-testid="request-body">
            {prettyJson(request.body)}
          </pre>
          <div className="actions small-actions">
            <button type="button" onClick={() => copy('Request headers', headerLines(request.headers))}>
              Copy headers
            </button>
            <button type="button" onClick={() => copy('Request body', request.body)}>
              Copy body
            </button>
            <button type="button" onClick={() => copy('cURL command', requestCurl(request))}>
              Copy cURL
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function Response({ attempt, copy }) {
  const answered = attempt.statusCode != null;
  return (
    <section className="half" aria-label={`Response to attempt ${attempt.number}`} data-testid="response">
      <h5>Response</h5>
      <p className="mono small">
        {answered ? `HTTP ${attempt.statusCode}` : `No answer${attempt.failureCode ? ` (${attempt.failureCode})` : ''}`}
        {attempt.durationMs != null && ` · ${attempt.durationMs} ms`}
      </p>
      {attempt.responseHeaders?.length > 0 && (
        <pre className="code-block" data-testid="response-headers">
          {headerLines(attempt.responseHeaders)}
        </pre>
      )}
      {attempt.responseBody ? (
        <>
          <pre className="code-block" data-testid="response-body">
            {attempt.responseBody}
          </pre>
          <div className="actions small-actions">
            <button type="button" onClick={() => copy('Response body', attempt.responseBody)}>
              Copy response
            </button>
          </div>
        </>
      ) : (
        answered && <p className="muted">Empty body.</p>
      )}
    </section>
  );
}

/** Whether the server found the delivery's ledger stream intact: every hash computed again from its content. */
function ChainMark({ verified }) {
  if (verified === undefined || verified === null) {
    return null;
  }
  return verified ? (
    <span className="badge badge-delivered" data-testid="chain" title="Every event's hash was computed again from its content and the hash before it">
      ✓ Chain verified
    </span>
  ) : (
    <span className="badge badge-failed" data-testid="chain" role="alert">
      ✗ Chain broken: an event does not match its hash
    </span>
  );
}
