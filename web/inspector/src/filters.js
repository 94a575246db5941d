// The deliveries filter as it is in the URL, and as DeliveryFilter for the server.
export const STATUSES = ['PENDING', 'RETRYING', 'DELIVERED', 'FAILED'];
export const RANGES = [
  ['', 'Any time'],
  ['1h', 'Last hour'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['custom', 'Custom…'],
];
const RANGE_MS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

export function rangeStart(range, now = Date.now()) {
  return RANGE_MS[range] ? new Date(now - RANGE_MS[range]).toISOString() : null;
}

function isoOrNull(local) {
  if (!local) {
    return null;
  }
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export const STATUS_CLASSES = [
  ['', 'Any answer'],
  ['STATUS_2XX', '2xx'],
  ['STATUS_3XX', '3xx'],
  ['STATUS_4XX', '4xx'],
  ['STATUS_5XX', '5xx'],
  ['NO_RESPONSE', 'No response'],
];

/** The URL keys of the filters with a control of their own, for "Clear filters". */
export const FILTER_KEYS = ['status', 'webhook', 'type', 'range', 'since', 'until', 'class', 'code', 'minAttempts', 'maxAttempts', 'q'];

/**
 * One search box, read by what was typed: `dlv_…` a delivery id (or its start), `evt_…` an event id, `path=value`
 * a value in the payload (`user.id=42`, JSON where it parses, else text), `key:…` or anything else an ordering key.
 */
export function parseSearch(text) {
  const q = (text ?? '').trim();
  if (!q) {
    return null;
  }
  if (/^dlv_\S*$/.test(q)) {
    return { deliveryIdPrefix: q };
  }
  if (/^evt_\S*$/.test(q)) {
    return { eventIdPrefix: q };
  }
  if (q.startsWith('key:')) {
    return { orderingKey: q.slice(4).trim() };
  }
  const equals = q.indexOf('=');
  if (equals > 0) {
    const path = q.slice(0, equals).trim();
    const raw = q.slice(equals + 1).trim();
    let value;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    return { payload: { path, equals: value } };
  }
  return { orderingKey: q };
}

const CLASS_OF = (code) => (code == null ? 'NO_RESPONSE' : code >= 200 && code < 600 ? `STATUS_${Math.floor(code / 100)}XX` : 'OTHER');

export function filterFromParams(params, capabilities) {
  const { extraFilters, filters: supported } = capabilities;
  const filter = {};
  const set = (name, value) => {
    if (value !== null && value !== undefined && value !== '' && !Number.isNaN(value) && supported.has(name)) {
      filter[name] = value;
    }
  };
  if (STATUS_CLASSES.some(([value]) => value && value === params.get('class'))) {
    set('lastStatusClass', params.get('class'));
  }
  set('failureCode', params.get('code')?.trim().toUpperCase());
  const count = (key) => (params.get(key) ? Number.parseInt(params.get(key), 10) : null);
  set('minAttempts', count('minAttempts'));
  set('maxAttempts', count('maxAttempts'));
  for (const [name, value] of Object.entries(parseSearch(params.get('q')) ?? {})) {
    set(name, value);
  }
  const status = (params.get('status') ?? '').split(',').filter((s) => STATUSES.includes(s));
  if (status.length) {
    filter.status = status;
  }
  if (params.get('webhook')) {
    filter.webhookId = params.get('webhook');
  }
  if (params.get('type')) {
    filter.eventType = params.get('type');
  }
  const range = params.get('range') ?? '';
  if (range === 'custom') {
    const since = isoOrNull(params.get('since'));
    const until = isoOrNull(params.get('until'));
    if (since) {
      filter.since = since;
    }
    if (until) {
      filter.until = until;
    }
  } else if (rangeStart(range)) {
    filter.since = rangeStart(range);
  }
  for (const extra of extraFilters) {
    const value = params.get(`f.${extra.name}`);
    if (value) {
      filter[extra.name] = extra.scalar === 'Int' ? Number.parseInt(value, 10) : value;
    }
  }
  return filter;
}

const CHECKED = new Set([
  'webhookId', 'eventType', 'status', 'since', 'until', 'lastStatusClass', 'failureCode', 'minAttempts', 'maxAttempts',
  'deliveryIdPrefix', 'eventIdPrefix', 'orderingKey',
]);

/** Whether a delivery heard on the live tail belongs in the list the filter shows. */
export function matches(filter, delivery) {
  if (filter.webhookId && delivery.webhook?.id !== filter.webhookId) {
    return false;
  }
  if (filter.eventType && delivery.event?.type !== filter.eventType) {
    return false;
  }
  if (filter.status && !filter.status.includes(delivery.status)) {
    return false;
  }
  const created = new Date(delivery.createdAt).getTime();
  if (filter.since && created < new Date(filter.since).getTime()) {
    return false;
  }
  if (filter.until && created > new Date(filter.until).getTime()) {
    return false;
  }
  if (filter.lastStatusClass && CLASS_OF(delivery.lastStatusCode) !== filter.lastStatusClass) {
    return false;
  }
  if (filter.lastStatusClass === 'NO_RESPONSE' && !delivery.lastFailureCode) {
    return false;
  }
  if (filter.failureCode && delivery.lastFailureCode !== filter.failureCode) {
    return false;
  }
  if (filter.minAttempts != null && delivery.attempts < filter.minAttempts) {
    return false;
  }
  if (filter.maxAttempts != null && delivery.attempts > filter.maxAttempts) {
    return false;
  }
  if (filter.deliveryIdPrefix && !delivery.id.startsWith(filter.deliveryIdPrefix)) {
    return false;
  }
  if (filter.eventIdPrefix && !delivery.event?.id.startsWith(filter.eventIdPrefix)) {
    return false;
  }
  if (filter.orderingKey && delivery.event?.orderingKey !== filter.orderingKey) {
    return false;
  }
  // The payload is not in a row, nor is a filter a newer server added: such rows wait for the next reload rather
  // than show up where they may not belong.
  return !filter.payload && !Object.keys(filter).some((name) => !CHECKED.has(name));
}
