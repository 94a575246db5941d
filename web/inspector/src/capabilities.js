// What this server's schema offers, read once by introspection. Views show a control only when the field behind it
// exists, so a newer server (more filters, request-as-sent, time-bucketed statistics, bulk replay jobs) lights up
// more of the page without the page breaking on an older one.
export const CAPABILITIES_QUERY = `query InspectorCapabilities {
  query: __type(name: "Query") { fields { name } }
  mutation: __type(name: "Mutation") { fields { name } }
  subscription: __type(name: "Subscription") { fields { name } }
  filter: __type(name: "DeliveryFilter") { inputFields { name type { kind name ofType { kind name ofType { kind name } } } } }
  delivery: __type(name: "Delivery") { fields { name } }
  attempt: __type(name: "Attempt") { fields { name } }
  webhook: __type(name: "Webhook") { fields { name } }
  ledgerEvent: __type(name: "LedgerEvent") { fields { name } }
}`;

const names = (type, key = 'fields') => new Set((type?.[key] ?? []).map((f) => f.name));

/** The filter inputs the page has its own controls for; any other scalar input of DeliveryFilter gets a text box. */
export const KNOWN_FILTERS = new Set([
  'webhookId',
  'eventType',
  'status',
  'since',
  'until',
  'lastStatusClass',
  'failureCode',
  'minAttempts',
  'maxAttempts',
  'orderingKey',
  'eventIdPrefix',
  'deliveryIdPrefix',
  'payload',
  'eventId',
]);

/** What the credential may see and do (`Query.caller`); an older server without it is taken as an API key's. */
export const CALLER_QUERY = `query InspectorCaller { caller { portalTokenId webhookIds capabilities expiresAt } }`;

export const API_KEY_CALLER = { portalTokenId: null, webhookIds: null, capabilities: ['READ', 'REPLAY', 'MANAGE'], expiresAt: null };

function scalarOf(type) {
  let t = type;
  while (t && (t.kind === 'NON_NULL' || t.kind === 'LIST')) {
    if (t.kind === 'LIST') {
      return null;
    }
    t = t.ofType;
  }
  return t && (t.kind === 'SCALAR' || t.kind === 'ENUM') ? t.name : null;
}

/**
 * The page's switches: a control shows only when the schema has the field behind it and the caller's capabilities
 * allow it (the server refuses anything else anyway; hiding it keeps a portal token's page free of dead buttons).
 */
export function readCapabilities(data, caller = API_KEY_CALLER) {
  const query = names(data?.query);
  const mutation = names(data?.mutation);
  const subscription = names(data?.subscription);
  const filterFields = data?.filter?.inputFields ?? [];
  const attempt = names(data?.attempt);
  const webhook = names(data?.webhook);
  const allowed = new Set(caller.capabilities ?? []);
  const may = (capability) => allowed.has(capability);
  return {
    query,
    mutation,
    subscription,
    filters: new Set(filterFields.map((f) => f.name)),
    extraFilters: filterFields
      .filter((f) => !KNOWN_FILTERS.has(f.name))
      .map((f) => ({ name: f.name, scalar: scalarOf(f.type) }))
      .filter((f) => f.scalar === 'String' || f.scalar === 'Int' || f.scalar === 'ID'),
    delivery: names(data?.delivery),
    attempt,
    webhook,
    caller,
    liveTail: subscription.has('deliveryUpdated'),
    canReplay: may('REPLAY') && mutation.has('redeliver'),
    canReplayEvent: may('REPLAY') && mutation.has('redeliverEvent'),
    canReplayFailed: may('REPLAY') && mutation.has('replayFailed'),
    canReplayJobs: may('REPLAY') && mutation.has('startReplay') && mutation.has('cancelReplay') && subscription.has('replayJobProgress'),
    canManage: may('MANAGE') && mutation.has('updateWebhook'),
    canRotate: may('MANAGE') && mutation.has('rotateWebhookSecret'),
    canTest: may('MANAGE') && mutation.has('sendTestEvent'),
    canResetBreaker: may('MANAGE') && mutation.has('resetCircuitBreaker'),
    requestAsSent: attempt.has('request'),
    responseHeaders: attempt.has('responseHeaders'),
    statsSeries: query.has('statsSeries'),
  };
}
