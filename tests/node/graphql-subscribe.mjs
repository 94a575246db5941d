// Subscribes with the graphql-ws client (the one GraphiQL and Apollo use) and prints what arrives, one JSON line each.
// stdin: {"url": "ws://…/graphql", "connectionParams": {…}, "query": "subscription …", "variables": {…}, "count": 1}
// stdout: {"ready": true} once the subscription is live, then {"next": <payload>} per result; exits after `count`.
// A close, an error or a `complete` before `count` results is printed as {"closed"|"error"|"complete": …}, exit 1.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const input = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));

const print = (value) => process.stdout.write(JSON.stringify(value) + '\n');
let received = 0;

const client = createClient({
  url: input.url,
  webSocketImpl: WebSocket,
  connectionParams: input.connectionParams,
  retryAttempts: 0,
  lazy: true,
  on: {
    closed: (event) => {
      if (received < input.count) {
        print({ closed: { code: event?.code, reason: event?.reason } });
        process.exit(1);
      }
    },
  },
});

const finish = async (code) => {
  await client.dispose();
  process.exit(code);
};

client.subscribe(
  { query: input.query, variables: input.variables ?? {} },
  {
    next: (payload) => {
      received += 1;
      print({ next: payload });
      if (received >= input.count) {
        finish(0);
      }
    },
    error: (error) => {
      print({ error: Array.isArray(error) ? error : String(error?.message ?? error) });
      finish(1);
    },
    complete: () => {
      if (received < input.count) {
        print({ complete: received });
        finish(1);
      }
    },
  },
);

// Ledger registers a subscription before it reads the client's next message, so once an operation sent after the
// subscribe has been answered on the same socket, the subscription is live.
for await (const probe of client.iterate({ query: '{ __typename }' })) {
  if (probe.data?.__typename === 'Query') {
    print({ ready: true });
  }
}
