export function formatTime(value) {
  if (!value) {
    return '—';
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function relativeTime(value, now = Date.now()) {
  if (!value) {
    return '—';
  }
  const seconds = Math.round((new Date(value).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const [n, unit] = abs < 60 ? [seconds, 'second'] : abs < 3600 ? [Math.round(seconds / 60), 'minute'] : abs < 86400 ? [Math.round(seconds / 3600), 'hour'] : [Math.round(seconds / 86400), 'day'];
  return new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(n, unit);
}

export function prettyJson(value) {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2);
}

const shellQuote = (text) => `'${String(text).replaceAll("'", "'\\''")}'`;

/**
 * A cURL command that posts the delivery's payload to the endpoint. With the request as sent (headers with their
 * signatures) it reproduces that request exactly; without it, it sends the payload with a JSON content type only.
 */
export function curlCommand({ method = 'POST', url, body, headers }) {
  const parts = ['curl', '-X', method, shellQuote(url)];
  const sent = headers && Object.keys(headers).length > 0 ? headers : { 'Content-Type': 'application/json' };
  for (const [name, value] of Object.entries(sent)) {
    parts.push('-H', shellQuote(`${name}: ${value}`));
  }
  parts.push('--data-raw', shellQuote(typeof body === 'string' ? body : JSON.stringify(body)));
  return parts.join(' ');
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
