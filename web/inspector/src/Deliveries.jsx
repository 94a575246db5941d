import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { useVirtualizer } from '@tanstack/react-virtual';
import { DELIVERIES, WEBHOOK_NAMES } from './queries.js';
import { FILTER_KEYS, RANGES, STATUSES, STATUS_CLASSES, filterFromParams, matches } from './filters.js';
import { BulkReplay } from './BulkReplay.jsx';
import { useDeliveryUpdates, useLive } from './live.js';
import { hrefWith, navigate, onLinkClick } from './url.js';
import { formatTime } from './format.js';
import { StatusBadge } from './StatusBadge.jsx';

const PAGE = 100;
const FAILURE_CODES = ['HTTP_STATUS', 'TIMEOUT', 'CONNECTION_FAILED', 'DNS_FAILURE', 'TLS_FAILURE', 'BLOCKED_DESTINATION', 'CIRCUIT_OPEN', 'EXPIRED', 'RETRIES_EXHAUSTED', 'INVALID_REQUEST'];
const ROW_HEIGHT = 56;

export function Deliveries({ params, capabilities, reportError }) {
  const client = useClient();
  const { generation, socket } = useLive();
  const filter = useMemo(() => filterFromParams(params, capabilities), [params, capabilities]);
  const filterKey = JSON.stringify(filter);
  const [rows, setRows] = useState([]);
  const [page, setPage] = useState({ hasNextPage: false, endCursor: null });
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState(null);
  const [paused, setPaused] = useState(false);
  const [pending, setPending] = useState([]);
  const [scrolled, setScrolled] = useState(false);
  const [replaying, setReplaying] = useState(false);
  const scroller = useRef(null);
  const request = useRef(0);

  const load = useCallback(
    async (after) => {
      const mine = ++request.current;
      setLoading(true);
      const result = await client.query(DELIVERIES, { filter: JSON.parse(filterKey), first: PAGE, after }).toPromise();
      if (mine !== request.current) {
        return;
      }
      setLoading(false);
      if (result.error) {
        setProblem(reportError(result.error)?.message);
        return;
      }
      setProblem(null);
      const connection = result.data.deliveries;
      const nodes = connection.edges.map((edge) => edge.node);
      setRows((current) => {
        if (!after) {
          return nodes;
        }
        const seen = new Set(current.map((row) => row.id));
        return current.concat(nodes.filter((node) => !seen.has(node.id)));
      });
      setPage(connection.pageInfo);
    },
    [client, filterKey, reportError],
  );

  useEffect(() => {
    setRows([]);
    setPending([]);
    scroller.current?.scrollTo({ top: 0 });
    load(null);
  }, [load, generation]);

  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const pendingRef = useRef(pending);
  pendingRef.current = pending;
  const replace = (list, delivery) => list.map((row) => (row.id === delivery.id ? delivery : row));
  const prepend = (list, delivery) => (list.some((row) => row.id === delivery.id) ? replace(list, delivery) : [delivery, ...list]);

  useDeliveryUpdates((delivery) => {
    if (rowsRef.current.some((row) => row.id === delivery.id)) {
      setRows((current) => replace(current, delivery));
    } else if (pendingRef.current.some((row) => row.id === delivery.id)) {
      setPending((current) => replace(current, delivery));
    } else if (matches(filter, delivery)) {
      if (paused || scrolled) {
        setPending((current) => prepend(current, delivery));
      } else {
        setRows((current) => prepend(current, delivery));
      }
    }
  });

  const showPending = useCallback(() => {
    setRows((current) => {
      const seen = new Set(current.map((row) => row.id));
      return pending.filter((row) => !seen.has(row.id)).concat(current);
    });
    setPending([]);
    setPaused(false);
    scroller.current?.scrollTo({ top: 0 });
  }, [pending]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (page.hasNextPage && !loading && lastIndex >= rows.length - 20) {
      load(page.endCursor);
    }
  }, [lastIndex, rows.length, page, loading, load]);

  // Up/Down, Home/End and Page keys move between rows; the row to land on may not be an element yet.
  function onListKeyDown(event) {
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };
    if (!(event.key in moves) || rows.length === 0) {
      return;
    }
    event.preventDefault();
    const current = Number(event.target.closest('[data-index]')?.dataset.index ?? -1);
    const target = Math.max(0, Math.min(rows.length - 1, current + moves[event.key]));
    virtualizer.scrollToIndex(target, { align: 'auto' });
    const focus = (tries) => {
      const link = scroller.current?.querySelector(`[data-index="${target}"] a`);
      if (link) {
        link.focus();
      } else if (tries > 0) {
        requestAnimationFrame(() => focus(tries - 1));
      }
    };
    requestAnimationFrame(() => focus(10));
  }

  return (
    <section aria-labelledby="deliveries-title" className="deliveries">
      <h1 id="deliveries-title">Deliveries</h1>
      <FilterBar params={params} capabilities={capabilities} />
      <div className="tail-controls">
        <button type="button" aria-pressed={paused} onClick={() => (paused ? showPending() : setPaused(true))} disabled={!capabilities.liveTail}>
          {paused ? 'Resume live tail' : 'Pause live tail'}
        </button>
        <span role="status" className="muted" data-testid="list-status">
          {loading ? 'Loading…' : `${rows.length} shown${page.hasNextPage ? ', more when you scroll' : ''}`}
          {paused ? ' · live tail paused' : socket === 'live' || socket === 'resubscribed' ? ' · live' : ''}
        </span>
        {capabilities.canReplayJobs && (
          <button type="button" onClick={() => setReplaying(true)}>
            Replay these…
          </button>
        )}
        {pending.length > 0 && (
          <button type="button" className="new-banner" onClick={showPending}>
            {pending.length} new {pending.length === 1 ? 'delivery' : 'deliveries'} — show
          </button>
        )}
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}{' '}
          <button type="button" onClick={() => load(null)}>
            Try again
          </button>
        </p>
      )}
      <div
        className="list"
        ref={scroller}
        onScroll={(event) => setScrolled(event.currentTarget.scrollTop > ROW_HEIGHT / 2)}
        data-testid="delivery-list"
        tabIndex={-1}
      >
        <ul aria-label="Deliveries, newest first (arrow keys move between rows)" style={{ height: virtualizer.getTotalSize() }} onKeyDown={onListKeyDown}>
          {items.map((item) => {
            const row = rows[item.index];
            return (
              <li
                key={row.id}
                className="row"
                data-testid="delivery-row"
                data-index={item.index}
                data-id={row.id}
                data-status={row.status}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                <a href={hrefWith({ delivery: row.id })} onClick={onLinkClick}>
                  <StatusBadge status={row.status} />
                  <span className="mono id">{row.id}</span>
                  <span className="type">{row.event.type}</span>
                  <span className="url">{row.webhook.url}</span>
                  <span className="code">{row.lastStatusCode ?? row.lastFailureCode ?? ''}</span>
                  <span className="attempts">{row.attempts} {row.attempts === 1 ? 'attempt' : 'attempts'}</span>
                  <time dateTime={row.createdAt}>{formatTime(row.createdAt)}</time>
                </a>
              </li>
            );
          })}
        </ul>
        {!loading && rows.length === 0 && !problem && <p className="empty">No deliveries match these filters.</p>}
      </div>
      {replaying && (
        <BulkReplay
          title="Replay the deliveries shown?"
          what="Every delivered or failed delivery these filters match is delivered again; pending and retrying ones are left alone."
          select={() => {
            const settled = (filter.status ?? ['DELIVERED', 'FAILED']).filter((s) => s === 'DELIVERED' || s === 'FAILED');
            return { countFilter: settled.length ? { ...filter, status: settled } : null, input: { filter } };
          }}
          reportError={reportError}
          onClose={() => setReplaying(false)}
        />
      )}
    </section>
  );
}

function FilterBar({ params, capabilities }) {
  const [{ data: hooks }] = useQuery({ query: WEBHOOK_NAMES });
  const status = new Set((params.get('status') ?? '').split(',').filter(Boolean));
  const range = params.get('range') ?? '';
  const text = (name) => ({
    defaultValue: params.get(name) ?? '',
    key: `${name}:${params.get(name) ?? ''}`,
    onBlur: (event) => navigate({ [name]: event.target.value.trim() }),
    onKeyDown: (event) => event.key === 'Enter' && navigate({ [name]: event.currentTarget.value.trim() }),
  });
  return (
    <form className="filters" aria-label="Filter deliveries" onSubmit={(event) => event.preventDefault()}>
      <fieldset>
        <legend>Status</legend>
        {STATUSES.map((s) => (
          <label key={s} className="check">
            <input
              type="checkbox"
              checked={status.has(s)}
              onChange={(event) => {
                const next = new Set(status);
                event.target.checked ? next.add(s) : next.delete(s);
                navigate({ status: STATUSES.filter((x) => next.has(x)) });
              }}
            />
            {s.charAt(0) + s.slice(1).toLowerCase()}
          </label>
        ))}
      </fieldset>
      <label>
        Webhook
        <select value={params.get('webhook') ?? ''} onChange={(event) => navigate({ webhook: event.target.value })}>
          <option value="">All webhooks</option>
          {hooks?.webhooks.edges.map(({ node }) => (
            <option key={node.id} value={node.id}>
              {node.url} ({node.id})
            </option>
          ))}
          {params.get('webhook') && !hooks?.webhooks.edges.some(({ node }) => node.id === params.get('webhook')) && (
            <option value={params.get('webhook')}>{params.get('webhook')}</option>
          )}
        </select>
      </label>
      <label>
        Event type
        <input type="search" placeholder="e.g. payout.paid" {...text('type')} />
      </label>
      <label>
        Time
        <select value={range} onChange={(event) => navigate({ range: event.target.value, since: null, until: null })}>
          {RANGES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {range === 'custom' && (
        <>
          <label>
            From
            <input type="datetime-local" {...text('since')} onChange={(event) => navigate({ since: event.target.value })} />
          </label>
          <label>
            To
            <input type="datetime-local" {...text('until')} onChange={(event) => navigate({ until: event.target.value })} />
          </label>
        </>
      )}
      {capabilities.filters.has('lastStatusClass') && (
        <label>
          Last answer
          <select value={params.get('class') ?? ''} onChange={(event) => navigate({ class: event.target.value })}>
            {STATUS_CLASSES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      )}
      {capabilities.filters.has('failureCode') && (
        <label>
          Failure code
          <input type="search" list="failure-codes" placeholder="e.g. TIMEOUT" {...text('code')} />
          <datalist id="failure-codes">
            {FAILURE_CODES.map((code) => (
              <option key={code} value={code} />
            ))}
          </datalist>
        </label>
      )}
      {capabilities.filters.has('minAttempts') && (
        <label>
          Attempts at least
          <input type="number" min="0" className="narrow" {...text('minAttempts')} />
        </label>
      )}
      {capabilities.filters.has('maxAttempts') && (
        <label>
          Attempts at most
          <input type="number" min="0" className="narrow" {...text('maxAttempts')} />
        </label>
      )}
      {capabilities.filters.has('deliveryIdPrefix') && (
        <div className="search">
          <label>
            Search
            <input type="search" placeholder="dlv_… · evt_… · ordering key · path=value" aria-describedby="search-hint" {...text('q')} />
          </label>
          <span id="search-hint" className="muted search-hint">
            A delivery or event id (or its start), an ordering key (<code>key:…</code>), or a payload value as <code>path=value</code>.
          </span>
        </div>
      )}
      {capabilities.extraFilters.map((extra) => (
        <label key={extra.name}>
          {extra.name.replace(/([A-Z])/g, ' $1').toLowerCase()}
          <input type={extra.scalar === 'Int' ? 'number' : 'search'} {...text(`f.${extra.name}`)} />
        </label>
      ))}
      <a
        href={hrefWith({
          ...Object.fromEntries(FILTER_KEYS.map((key) => [key, null])),
          ...Object.fromEntries(capabilities.extraFilters.map((extra) => [`f.${extra.name}`, null])),
        })}
        onClick={onLinkClick}
      >
        Clear filters
      </a>
    </form>
  );
}
