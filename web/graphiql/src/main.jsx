import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './ledger.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createLedgerFetcher } from './fetcher.js';

const endpoint = new URL('/graphql', window.location.href);

const defaultHeaders = JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2);

const defaultQuery = `# Ledger's GraphQL API. Put your API key in the Headers tab below, then run a query:
query RecentDeliveries {
  deliveries(first: 10) {
    edges {
      node { id status attempts createdAt event { type } webhook { url } }
    }
    pageInfo { hasNextPage endCursor }
  }
}

# Subscriptions run over WebSocket with the same key:
# subscription { deliveryUpdated { id status attempts lastStatusCode } }
`;

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher: createLedgerFetcher(endpoint),
    defaultQuery,
    defaultHeaders,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  }),
);
