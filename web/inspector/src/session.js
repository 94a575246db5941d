// The API key lives in session storage only: it is gone when the tab closes and is never written anywhere else.
const KEY = 'ledger.inspector.apiKey';

export function loadKey() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function clearKey() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // storage is unavailable: nothing was kept
  }
}
