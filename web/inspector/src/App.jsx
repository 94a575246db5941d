import { useCallback, useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { checkKey, createLedgerClient } from './client.js';
import { API_KEY_CALLER, CALLER_QUERY, CAPABILITIES_QUERY, readCapabilities } from './capabilities.js';
import { describeError } from './errors.js';
import { LiveContext, startLiveFeed } from './live.js';
import { clearKey, loadKey, saveKey } from './session.js';
import { SignIn } from './SignIn.jsx';
import { effectiveTheme, useTheme } from './theme.js';
import { hrefWith, navigate, onLinkClick, useParams } from './url.js';
import { Deliveries } from './Deliveries.jsx';
import { DeliveryDrawer } from './DeliveryDrawer.jsx';
import { Endpoints } from './Endpoints.jsx';
import { Health } from './Health.jsx';

const VIEWS = [
  ['deliveries', 'Deliveries'],
  ['endpoints', 'Endpoints'],
  ['health', 'Health'],
];

const SOCKET_TEXT = {
  connecting: 'Connecting live updates…',
  live: 'Live',
  reconnecting: 'Connection lost — reconnecting…',
  resubscribed: 'Reconnected — live updates resumed',
};

/**
 * A portal-token link (`/inspector?token=…`, docs/portal-tokens.md) signs the tab in with that token: it leaves the address
 * bar (and so the history) at once and lives in session storage like a key.
 */
function takeLinkToken() {
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token');
  if (!token) {
    return null;
  }
  params.delete('token');
  const query = params.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${query ? `?${query}` : ''}`);
  return token.trim() || null;
}

export function App() {
  const params = useParams();
  const forcedTheme = useTheme(params);
  const [linkToken] = useState(takeLinkToken);
  const [apiKey, setApiKey] = useState(() => (linkToken ? null : loadKey()));
  const [notice, setNotice] = useState(null);
  const [checkingLink, setCheckingLink] = useState(Boolean(linkToken));

  useEffect(() => {
    if (!linkToken) {
      return;
    }
    checkKey(linkToken)
      .catch(() => ({ networkError: new Error('offline') }))
      .then((failure) => {
        setCheckingLink(false);
        if (failure) {
          const problem = describeError(failure);
          setNotice(problem.kind === 'auth' ? 'This sign-in link was not accepted: it may have expired or been revoked. Ask for a new one.' : problem.message);
          return;
        }
        saveKey(linkToken);
        setApiKey(linkToken);
      });
  }, [linkToken]);

  const signOut = useCallback((message) => {
    clearKey();
    setApiKey(null);
    setNotice(message ?? null);
  }, []);

  if (checkingLink) {
    return (
      <main className="sign-in" id="main">
        <h1>Ledger Webhook Inspector</h1>
        <p role="status">Signing in with the link…</p>
      </main>
    );
  }
  if (!apiKey) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(key) => {
          saveKey(key);
          setNotice(null);
          setApiKey(key);
        }}
      />
    );
  }
  return <SignedIn key={apiKey} apiKey={apiKey} params={params} forcedTheme={forcedTheme} signOut={signOut} />;
}

function SignedIn({ apiKey, params, forcedTheme, signOut }) {
  const [socket, setSocket] = useState('connecting');
  const [generation, setGeneration] = useState(0);
  const [capabilities, setCapabilities] = useState(null);
  const [failure, setFailure] = useState(null);

  const { client, socket: ws } = useMemo(
    () =>
      createLedgerClient(apiKey, {
        onSocket: (state) => {
          setSocket(state);
          if (state === 'resubscribed') {
            setGeneration((g) => g + 1);
          }
        },
        onUnauthorized: () => signOut('The server no longer accepts this API key. Sign in again.'),
      }),
    [apiKey, signOut],
  );
  const feed = useMemo(() => startLiveFeed(client), [client]);
  useEffect(() => {
    // A browser that knows it went offline need not wait for the socket to time out.
    const dropSocket = () => ws.terminate();
    window.addEventListener('offline', dropSocket);
    return () => {
      window.removeEventListener('offline', dropSocket);
      feed.stop();
      ws.dispose();
    };
  }, [feed, ws]);

  const loadCapabilities = useCallback(async () => {
    const result = await client.query(CAPABILITIES_QUERY, {}).toPromise();
    const problem = describeError(result.error);
    if (problem?.kind === 'auth') {
      signOut(problem.message);
      return;
    }
    if (problem) {
      setFailure(problem.message);
      return;
    }
    let caller = API_KEY_CALLER;
    if (result.data?.query?.fields?.some((field) => field.name === 'caller')) {
      const asked = await client.query(CALLER_QUERY, {}).toPromise();
      const refused = describeError(asked.error);
      if (refused?.kind === 'auth') {
        signOut(refused.message);
        return;
      }
      if (refused) {
        setFailure(refused.message);
        return;
      }
      caller = asked.data.caller;
    }
    setFailure(null);
    setCapabilities(readCapabilities(result.data, caller));
  }, [client, signOut]);
  useEffect(() => {
    loadCapabilities();
  }, [loadCapabilities]);

  const reportError = useCallback(
    (error) => {
      const problem = describeError(error);
      if (problem?.kind === 'auth') {
        signOut(problem.message);
      }
      return problem;
    },
    [signOut],
  );

  const view = VIEWS.some(([id]) => id === params.get('view')) ? params.get('view') : 'deliveries';
  const deliveryId = params.get('delivery');
  const theme = effectiveTheme(forcedTheme);
  const live = useMemo(() => ({ feed, socket, generation }), [feed, socket, generation]);

  return (
    <Provider value={client}>
      <LiveContext.Provider value={live}>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="top">
          <Brand params={params} />
          <nav aria-label="Views">
            {VIEWS.map(([id, label]) => (
              <a key={id} href={hrefWith({ view: id === 'deliveries' ? null : id, delivery: null })} onClick={onLinkClick} aria-current={view === id ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
          {capabilities?.caller.portalTokenId && <Scope caller={capabilities.caller} />}
          <span className={`socket socket-${socket}`} role="status" data-testid="socket-state">
            {SOCKET_TEXT[socket]}
          </span>
          <button type="button" onClick={() => navigate({ theme: theme === 'dark' ? 'light' : 'dark' }, { replace: true })}>
            {theme === 'dark' ? 'Light theme' : 'Dark theme'}
          </button>
          <button type="button" onClick={() => signOut(null)}>
            Sign out
          </button>
        </header>
        {failure && (
          <div className="banner error" role="alert">
            {failure}{' '}
            <button type="button" onClick={loadCapabilities}>
              Try again
            </button>
          </div>
        )}
        {capabilities && (
          <main id="main" tabIndex={-1}>
            {view === 'deliveries' && <Deliveries params={params} capabilities={capabilities} reportError={reportError} />}
            {view === 'endpoints' && <Endpoints capabilities={capabilities} reportError={reportError} />}
            {view === 'health' && <Health params={params} capabilities={capabilities} reportError={reportError} theme={theme} />}
          </main>
        )}
        {capabilities && deliveryId && <DeliveryDrawer id={deliveryId} capabilities={capabilities} reportError={reportError} />}
      </LiveContext.Provider>
    </Provider>
  );
}

const CAPABILITY_TEXT = { READ: 'view', REPLAY: 'replay', MANAGE: 'manage' };

/** What a portal token is limited to, said once in the header so a customer knows why they see what they see. */
function Scope({ caller }) {
  const hooks = caller.webhookIds ? `${caller.webhookIds.length} ${caller.webhookIds.length === 1 ? 'endpoint' : 'endpoints'}` : 'all endpoints';
  const may = caller.capabilities.map((c) => CAPABILITY_TEXT[c] ?? c.toLowerCase()).join(', ');
  return (
    <span className="scope muted" data-testid="caller-scope">
      {hooks} · {may}
      {caller.expiresAt && ` · until ${new Date(caller.expiresAt).toLocaleTimeString()}`}
    </span>
  );
}

/**
 * `?logo=/path.svg` (this server only: the page's policy loads nothing from another host) and `?title=` let an
 * embedding dashboard put its own name on the page.
 */
function Brand({ params }) {
  const logo = params.get('logo');
  const title = params.get('title')?.trim().slice(0, 60) || 'Ledger Inspector';
  const sameOrigin = logo && /^\/(?!\/)[^\s]*$/.test(logo);
  return (
    <span className="brand">
      {sameOrigin && <img src={logo} alt="" className="logo" data-testid="logo" />}
      {title}
    </span>
  );
}
