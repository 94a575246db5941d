// Runs the Node.js receiver snippet of docs/wire-profiles.md (docs/receivers/ledger-webhooks.mjs) over requests.
// stdin: [{"profile", "secret", "headers", "bodyBase64", "nowMs"}]; stdout: [true|false, …]
import { readFileSync } from 'node:fs';
import { verifyLedgerWebhook } from '../../docs/receivers/ledger-webhooks.mjs';

const cases = JSON.parse(readFileSync(0, 'utf8'));
const verdicts = cases.map((c) => verifyLedgerWebhook(c.profile, c.secret, c.headers, Buffer.from(c.bodyBase64, 'base64'), c.nowMs));
process.stdout.write(JSON.stringify(verdicts) + '\n');
