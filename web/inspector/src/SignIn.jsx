import { useState } from 'react';
import { checkKey } from './client.js';
import { describeError } from './errors.js';

export function SignIn({ onSignedIn, notice }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(notice ?? null);
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    setError(null);
    let failure;
    try {
      failure = await checkKey(trimmed);
    } catch {
      failure = { networkError: new Error('offline') };
    }
    setBusy(false);
    if (failure) {
      setError(describeError(failure).message);
      return;
    }
    onSignedIn(trimmed);
  }

  return (
    <main className="sign-in" id="main">
      <form onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <h1 id="sign-in-title">Ledger Webhook Inspector</h1>
        <p>Sign in with an API key. It is kept in this tab only and forgotten when the tab closes.</p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck="false"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'sign-in-error' : undefined}
          autoFocus
        />
        {error && (
          <p id="sign-in-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
