// Verifies a Ledger webhook request in Node.js (18+), with nothing but node:crypto.
// rawBody: the request body exactly as received (a Buffer or string); headers: the request's headers.
// `now` (unix milliseconds) is for tests; leave it out.
import { createHmac, timingSafeEqual } from 'node:crypto';

const TOLERANCE_MS = 5 * 60 * 1000;

export function verifyLedgerWebhook(profile, secret, headers, rawBody, now = Date.now()) {
  const h = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, 'utf8');
  switch (profile) {
    case 'standard': return standardWebhooks('webhook', secret, h, body, now);
    case 'svix': return standardWebhooks('svix', secret, h, body, now);
    case 'kash': return kash(secret, h, body, now);
    case 'v2k': return hexHmac(secret, h, body, 'x-v2k-signature', '');
    case 'generic': return hexHmac(secret, h, body, 'x-webhook-signature', '');
    case 'github': return hexHmac(secret, h, body, 'x-hub-signature-256', 'sha256=');
    default: throw new Error(`unknown profile ${profile}`);
  }
}

function same(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// standard and svix: HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the base64 after "whsec_", sent as a
// space-separated list of "v1,<base64>" (one per secret during a rotation); the timestamp is unix seconds.
function standardWebhooks(prefix, secret, h, body, now) {
  const id = h[`${prefix}-id`];
  const timestamp = h[`${prefix}-timestamp`];
  const signatures = h[`${prefix}-signature`];
  if (!id || !/^\d+$/.test(timestamp ?? '') || !signatures) return false;
  if (Math.abs(now - Number(timestamp) * 1000) > TOLERANCE_MS) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return signatures.split(' ').some((s) => s.startsWith('v1,') && same(s.slice(3), expected));
}

// kash: X-Kash-Signature "t=<unix ms>,v1=<hex>[,v1=<hex>]", hex HMAC-SHA256 of "{t}.{body}" keyed by the secret.
function kash(secret, h, body, now) {
  const parts = (h['x-kash-signature'] ?? '').split(',');
  const t = parts.find((p) => p.startsWith('t='))?.slice(2);
  if (!/^\d+$/.test(t ?? '') || Math.abs(now - Number(t)) > TOLERANCE_MS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
  return parts.some((p) => p.startsWith('v1=') && same(p.slice(3), expected));
}

// v2k, generic, github: hex HMAC-SHA256 of the body keyed by the secret; during a rotation the old secret's
// signature comes in "<header>-Previous".
function hexHmac(secret, h, body, header, prefix) {
  const expected = prefix + createHmac('sha256', secret).update(body).digest('hex');
  const candidates = [h[header], ...(h[`${header}-previous`]?.split(',') ?? [])].filter(Boolean);
  return candidates.some((s) => same(s, expected));
}
