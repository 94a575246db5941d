// One wording for each way a request can fail, so every view says the same thing.
export const AUTH = 'auth';
export const NETWORK = 'network';
export const REFUSED = 'refused';

export function describeError(error) {
  if (!error) {
    return null;
  }
  const status = error.response?.status;
  if (status === 401 || status === 403) {
    return { kind: AUTH, message: 'The API key was not accepted. Check it and sign in again.' };
  }
  if (error.networkError && !error.graphQLErrors?.length) {
    return { kind: NETWORK, message: 'Cannot reach the Ledger server. Check your connection, then try again.' };
  }
  const first = error.graphQLErrors?.[0];
  const code = first?.extensions?.code;
  return { kind: REFUSED, message: `The server refused: ${first?.message ?? error.message}`, code };
}
