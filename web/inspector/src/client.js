import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';

const CLOSED_UNAUTHORIZED = new Set([4401, 4403]);

function socketUrl() {
  const url = new URL('/graphql', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * One GraphQL client per signed-in key: HTTP for queries and mutations, graphql-transport-ws for subscriptions.
 * The socket retries for ever (a lost connection is normal); `onSocket` hears each state change so the page can say
 * so, and a refused key ends the session instead of retrying.
 */
export function createLedgerClient(apiKey, { onSocket, onUnauthorized }) {
  let dropped = false;
  const socket = createWsClient({
    url: socketUrl(),
    connectionParams: () => ({ apiKey }),
    lazy: true,
    keepAlive: 10_000,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** retries, 8_000))),
    shouldRetry: (event) => !(event && CLOSED_UNAUTHORIZED.has(event.code)),
    on: {
      connecting: () => onSocket(dropped ? 'reconnecting' : 'connecting'),
      connected: () => {
        onSocket(dropped ? 'resubscribed' : 'live');
      },
      closed: (event) => {
        if (event && CLOSED_UNAUTHORIZED.has(event.code)) {
          onUnauthorized();
          return;
        }
        dropped = true;
        onSocket('reconnecting');
      },
    },
  });
  const client = new Client({
    url: '/graphql',
    requestPolicy: 'network-only',
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { Authorization: `Bearer ${apiKey}` } }),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return { client, socket };
}

/** Checks a key before it is kept: one tiny query; answers null when accepted, else the CombinedError. */
export async function checkKey(apiKey) {
  const client = new Client({
    url: '/graphql',
    requestPolicy: 'network-only',
    fetchOptions: { headers: { Authorization: `Bearer ${apiKey}` } },
    exchanges: [fetchExchange],
  });
  const result = await client.query('query InspectorSignIn { webhooks(first: 0) { totalCount } }', {}).toPromise();
  return result.error ?? null;
}
