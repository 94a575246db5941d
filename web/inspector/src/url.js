import { useEffect, useState } from 'react';

// Every view, filter and open drawer is in the query string: a link shows the same page and the back button steps
// through what the user did.
const CHANGED = 'inspector:navigate';

export function currentParams() {
  return new URLSearchParams(window.location.search);
}

export function hrefWith(changes, base = currentParams()) {
  const params = new URLSearchParams(base);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
      params.delete(key);
    } else {
      params.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
  }
  const query = params.toString();
  return `${window.location.pathname}${query ? `?${query}` : ''}`;
}

export function navigate(changes, { replace = false } = {}) {
  const href = hrefWith(changes);
  if (href === `${window.location.pathname}${window.location.search}`) {
    return;
  }
  window.history[replace ? 'replaceState' : 'pushState'](null, '', href);
  window.dispatchEvent(new Event(CHANGED));
}

export function useParams() {
  const [search, setSearch] = useState(window.location.search);
  useEffect(() => {
    const update = () => setSearch(window.location.search);
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGED, update);
    };
  }, []);
  return new URLSearchParams(search);
}

/** Follows an in-page link through history instead of reloading. */
export function onLinkClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  const url = new URL(event.currentTarget.href);
  window.history.pushState(null, '', `${url.pathname}${url.search}`);
  window.dispatchEvent(new Event(CHANGED));
}
