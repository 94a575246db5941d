import { createClient } from 'graphql-ws';

// GraphiQL's own fetcher sends the Headers tab only over HTTP. Ledger authenticates WebSocket connections in
// connection_init, so this one takes the key from the same headers for both: POST for queries and mutations,
// graphql-transport-ws for subscriptions (one socket per key).

function keyOf(headers) {
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' && typeof value === 'string') {
      return { authorization: value };
    }
    if (lower === 'x-api-key' && typeof value === 'string') {
      return { apiKey: value };
    }
  }
  return {};
}

function isSubscription(params) {
  const query = params.query ?? '';
  const name = params.operationName;
  const pattern = name ? new RegExp(`subscription\\s+${name}\\b`) : /^\s*subscription\b/m;
  return pattern.test(query.replace(/#[^\n]*/g, ''));
}

export function createLedgerFetcher(endpoint) {
  const socketUrl = new URL(endpoint);
  socketUrl.protocol = socketUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const clients = new Map();

  function clientFor(connectionParams) {
    const id = JSON.stringify(connectionParams);
    let client = clients.get(id);
    if (!client) {
      client = createClient({ url: socketUrl.href, connectionParams, lazy: true, retryAttempts: 0 });
      clients.set(id, client);
    }
    return client;
  }

  return (params, options) => {
    const headers = options?.headers ?? {};
    if (isSubscription(params)) {
      const client = clientFor(keyOf(headers));
      return client.iterate({ query: params.query, variables: params.variables, operationName: params.operationName });
    }
    return fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
      body: JSON.stringify(params),
    }).then((response) => response.json());
  };
}
