#!/usr/bin/env node
// Checks a Ledger JSONL ledger export (docs/audit.md) with Node.js alone (node:crypto, no packages):
// each stream's chain from the prevHash its first line names, versions without gaps, positions in order,
// data against dataSha256, the digest of the lines and the manifest's Ed25519 signature.
//   node scripts/verify-export.mjs FILE [--public-key HEX]
// Prints one line; exit 0 when intact, 1 with the first bad line otherwise, 2 on bad usage.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const keyAt = args.indexOf('--public-key');
const pinned = keyAt >= 0 ? args[keyAt + 1] : undefined;
const file = args.find((a, i) => !a.startsWith('--') && !(keyAt >= 0 && i === keyAt + 1));
if (!file || (keyAt >= 0 && !/^[0-9a-fA-F]{64}$/.test(pinned ?? ''))) {
  console.error('usage: node scripts/verify-export.mjs FILE [--public-key HEX]');
  process.exit(2);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const fail = (line, why) => {
  console.log(`FAILED at line ${line}: ${why}`);
  process.exit(1);
};

const bytes = readFileSync(file);
const lines = [];
for (let start = 0; start < bytes.length;) {
  const end = bytes.indexOf(0x0a, start);
  lines.push(end < 0 ? { bytes: bytes.subarray(start), terminated: false } : { bytes: bytes.subarray(start, end), terminated: true });
  start = end < 0 ? bytes.length : end + 1;
}

const digest = createHash('sha256');
const streams = new Map();
let count = 0;
let lastPosition = 0;
let manifestLine = null;
lines.forEach(({ bytes: raw, terminated }, index) => {
  const n = index + 1;
  if (manifestLine) fail(n, 'a line follows the manifest (lines were added or reordered)');
  if (!terminated) fail(n, 'the line is cut (the file is truncated)');
  let e;
  try {
    e = JSON.parse(raw.toString('utf8'));
  } catch {
    fail(n, 'the line is not valid JSON (changed or cut)');
  }
  if (e === null || typeof e !== 'object') fail(n, 'the line is not a JSON object');
  if ('manifest' in e) {
    manifestLine = { n, line: e };
    return;
  }
  if (e.position <= lastPosition) fail(n, `position ${e.position} does not follow ${lastPosition} (lines were reordered)`);
  lastPosition = e.position;
  const state = streams.get(e.streamId);
  if (state) {
    if (e.version > state.lastVersion + 1) fail(n, `${e.streamId} jumps from version ${state.lastVersion} to ${e.version} (a line was dropped)`);
    if (e.version !== state.lastVersion + 1) fail(n, `${e.streamId} goes from version ${state.lastVersion} back to ${e.version} (lines were reordered)`);
    if (e.prevHash !== state.lastHash) fail(n, `prevHash does not match the hash of ${e.streamId}'s previous line (changed)`);
  }
  if (e.data !== null && sha256(Buffer.from(e.data, 'utf8')) !== e.dataSha256) fail(n, 'data does not match dataSha256 (changed)');
  let content;
  if (e.hashVersion === 2) content = e.dataSha256;
  else if (e.hashVersion === 1 && e.data !== null) content = e.data;
  else fail(n, `hashVersion ${e.hashVersion} with ${e.data === null ? 'withheld' : 'its'} data cannot be checked`);
  const expected = sha256(Buffer.from([e.prevHash, e.streamId, String(e.version), e.type, e.occurredAt, content].join('\n'), 'utf8'));
  if (expected !== e.hash) fail(n, "hash does not match the line's content (changed)");
  if (state) Object.assign(state, { lastVersion: e.version, lastHash: e.hash, lastLine: n });
  else streams.set(e.streamId, { firstLine: n, firstVersion: e.version, firstPrevHash: e.prevHash, lastVersion: e.version, lastHash: e.hash, lastLine: n });
  digest.update(raw).update('\n');
  count++;
});

if (!manifestLine) fail(lines.length + 1, 'no manifest line at the end (the file is truncated)');
const { n, line } = manifestLine;
const m = line.manifest;
for (const [name, s] of streams) {
  const chain = m.chains?.[name];
  if (!chain) fail(s.firstLine, `${name} is not in the manifest's chains (lines were added)`);
  if (chain.firstVersion !== s.firstVersion || chain.firstPrevHash !== s.firstPrevHash) fail(s.firstLine, `${name} starts at version ${s.firstVersion}, not where the manifest says (lines before it were dropped)`);
  if (chain.lastVersion !== s.lastVersion || chain.lastHash !== s.lastHash) fail(s.lastLine + 1, `${name} ends at version ${s.lastVersion}, not where the manifest says (lines were dropped)`);
}
for (const name of Object.keys(m.chains ?? {})) if (!streams.has(name)) fail(n, `the manifest names ${name}, which has no lines (lines were dropped)`);
if (m.count !== count) fail(n, `the manifest counts ${m.count} events, the file has ${count}`);
if (m.sha256 !== digest.digest('hex')) fail(n, "the digest of the lines does not match the manifest's sha256 (changed)");
if (pinned && pinned.toLowerCase() !== m.publicKey) fail(n, `the manifest is signed by ${m.publicKey}, not by the pinned key (wrong key)`);
// An Ed25519 public key as SPKI DER: a fixed 12-byte prefix, then the 32 key bytes.
const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(m.publicKey, 'hex')]), format: 'der', type: 'spki' });
if (!verify(null, Buffer.from(JSON.stringify(m), 'utf8'), key, Buffer.from(line.signature, 'base64'))) fail(n, "the manifest's signature does not verify (changed or wrong key)");
const note = pinned ? 'signed by the pinned key' : `signature checked only against the manifest's own key ${m.publicKey} (pin it with --public-key)`;
console.log(`OK: ${count} events in ${streams.size} streams; chains, digest and signature intact; ${note}`);
