// JavaScript's own canonical form, to hold Ledger's CanonicalJson against.
// stdin: a JSON array of JSON texts. stdout: an array of {"json": JSON.stringify(JSON.parse(text))} or {"error": "…"}.
import { readFileSync } from 'node:fs';

const texts = JSON.parse(readFileSync(0, 'utf8'));
const results = texts.map((text) => {
  try {
    return { json: JSON.stringify(JSON.parse(text)) };
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
});
process.stdout.write(JSON.stringify(results) + '\n');
