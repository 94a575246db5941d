// Verifies a Ledger request the way each profile's receivers do, with their own libraries and code.
//
// stdin: one request {"profile", "secret", "headers": {name: value}, "body" | "bodyBase64"}, or an array of them
//        (kepler: "address" — the erd1… signing address — instead of "secret").
// stdout: {"ok":true} or {"ok":false,"error":"…"} for each, in the same shape (one object, or an array).
//
//   standard  standardwebhooks' Webhook(secret).verify(body, headers)
//   svix      svix's Webhook(secret).verify(body, headers)
//   kash      stripe.webhooks.constructEvent(body, X-Kash-Signature, secret) — seed 000: "one-line constant change
//             from any Stripe library" — plus the millisecond age check Stripe cannot do for a ms timestamp
//   v2k       seed 001's verifySignature: JSON.stringify of the parsed body, hex HMAC, timingSafeEqual
//   generic   seed 002's Express middleware: the same over JSON.stringify(req.body)
//   github    sha256=<hex HMAC of the raw body>, timingSafeEqual
//   kepler    seed 003: @multiversx/sdk-core's MessageComputer + UserVerifier against the signing address, over
//             the raw body (X-Signature; X-Signature-Previous too, for a signing-key rotation overlap)
//
// The single-header schemes (v2k, generic, github) also try {header}-Previous, as Ledger documents for rotation.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

const KASH_TOLERANCE_MS = 5 * 60 * 1000;

// Each library loads only when a request needs it: stripe alone takes most of a second.
const libraries = {
  standardwebhooks: () => import('standardwebhooks'),
  svix: () => import('svix'),
  stripe: async () => new (await import('stripe')).default('sk_test_ledger_wire_verifier_offline'),
  multiversx: () => import('@multiversx/sdk-core'),
};
const loaded = new Map();
function load(name) {
  if (!loaded.has(name)) loaded.set(name, libraries[name]());
  return loaded.get(name);
}

function lower(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

// Seed 001, verbatim but for the try/catch: timingSafeEqual throws when the lengths differ.
function v2kVerifySignature(payload, signature, secret) {
  const payloadString = JSON.stringify(payload);
  const expectedSignature = createHmac('sha256', secret).update(payloadString).digest('hex');
  try {
    return timingSafeEqual(Buffer.from(signature), Buffer.from(expectedSignature));
  } catch {
    return false;
  }
}

// Seed 002: verifyWebhook(JSON.stringify(req.body), signature, secret).
function genericVerifyWebhook(payload, signature, secret) {
  const hmac = createHmac('sha256', secret).update(payload).digest('hex');
  try {
    return timingSafeEqual(Buffer.from(signature), Buffer.from(hmac));
  } catch {
    return false;
  }
}

function githubVerify(rawBody, signature, secret) {
  const expected = 'sha256=' + createHmac('sha256', secret).update(rawBody).digest('hex');
  try {
    return timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
  } catch {
    return false;
  }
}

// Seed 003's verifyWebhookSignature. sdk-core 15 has no MessageComputer.verifyMessage any more; its accounts
// verify a message exactly so: computeBytesForVerifying, then the address's Ed25519 public key.
async function keplerVerify(payload, signature, signingAddress) {
  const { Address, Message, MessageComputer, UserVerifier } = await load('multiversx');
  const address = Address.newFromBech32(signingAddress);
  const message = new Message({ data: new Uint8Array(Buffer.from(payload)), address, signature: Buffer.from(signature, 'hex') });
  return UserVerifier.fromAddress(address).verify(new MessageComputer().computeBytesForVerifying(message), message.signature);
}

function candidates(h, name) {
  const list = [];
  if (h[name] !== undefined) list.push(h[name]);
  if (h[`${name}-previous`] !== undefined) list.push(...h[`${name}-previous`].split(','));
  if (list.length === 0) throw new Error(`missing ${name} header`);
  return list;
}

function expectHeader(h, name, value) {
  if (h[name] !== value) throw new Error(`${name} is ${JSON.stringify(h[name])}, expected ${JSON.stringify(value)}`);
}

async function verify(request) {
  const { profile, secret } = request;
  const raw = request.bodyBase64 !== undefined ? Buffer.from(request.bodyBase64, 'base64') : Buffer.from(request.body, 'utf8');
  const body = raw.toString('utf8');
  const headers = request.headers ?? {};
  const h = lower(headers);
  switch (profile) {
    case 'standard': {
      const { Webhook } = await load('standardwebhooks');
      const event = new Webhook(secret).verify(body, headers);
      expectHeader(h, 'webhook-id', event.id);
      return;
    }
    case 'svix': {
      const { Webhook } = await load('svix');
      const event = new Webhook(secret).verify(body, headers);
      expectHeader(h, 'svix-id', event.id);
      return;
    }
    case 'kash': {
      const header = h['x-kash-signature'];
      const stripe = await load('stripe');
      const event = stripe.webhooks.constructEvent(body, header, secret);
      const t = Number(/(?:^|,)t=(\d+)/.exec(header ?? '')?.[1]);
      if (!(Math.abs(Date.now() - t) <= KASH_TOLERANCE_MS)) throw new Error(`t=${t} is not a current unix-millisecond time`);
      expectHeader(h, 'x-kash-event-id', event.id);
      expectHeader(h, 'x-kash-api-version', event.apiVersion);
      return;
    }
    case 'v2k': {
      const payload = JSON.parse(body); // what express.json() hands the seed's handler
      if (!candidates(h, 'x-v2k-signature').some((s) => v2kVerifySignature(payload, s, secret))) throw new Error('Invalid signature');
      expectHeader(h, 'x-v2k-event', payload.event);
      return;
    }
    case 'generic': {
      const payload = JSON.stringify(JSON.parse(body));
      if (!candidates(h, 'x-webhook-signature').some((s) => genericVerifyWebhook(payload, s, secret))) throw new Error('Invalid signature');
      expectHeader(h, 'x-webhook-id', JSON.parse(body).id);
      return;
    }
    case 'github': {
      if (!candidates(h, 'x-hub-signature-256').some((s) => githubVerify(raw, s, secret))) throw new Error('Invalid signature');
      const event = JSON.parse(body);
      expectHeader(h, 'x-github-event', event.type);
      expectHeader(h, 'x-github-delivery', event.id);
      return;
    }
    case 'kepler': {
      const results = await Promise.all(candidates(h, 'x-signature').map((s) => keplerVerify(body, s, request.address)));
      if (!results.some(Boolean)) throw new Error('Invalid signature');
      expectHeader(h, 'content-type', 'application/json');
      if (!/^ProjectX-Kepler\/\S+$/.test(h['user-agent'] ?? '')) throw new Error(`user-agent is ${JSON.stringify(h['user-agent'])}`);
      return;
    }
    default:
      throw new Error(`unknown profile ${JSON.stringify(profile)}`);
  }
}

async function run(request) {
  try {
    await verify(request);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error).split('\n')[0] };
  }
}

const input = JSON.parse(readFileSync(0, 'utf8'));
const output = Array.isArray(input) ? await Promise.all(input.map(run)) : await run(input);
process.stdout.write(JSON.stringify(output) + '\n');
