// Validates GraphQL documents against a schema file with graphql-js (the reference implementation).
// stdin: {"schema": "<path of the SDL file>", "documents": [{"name": "docs/x.md:12", "text": "query { … }"}]}
// stdout: {"problems": [{"name", "errors": ["…"]}]}
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';

const input = JSON.parse(readFileSync(0, 'utf8'));
const schema = buildSchema(readFileSync(input.schema, 'utf8'));
const problems = [];
for (const { name, text } of input.documents) {
  try {
    const errors = validate(schema, parse(text));
    if (errors.length > 0) {
      problems.push({ name, errors: errors.map((e) => e.message) });
    }
  } catch (error) {
    problems.push({ name, errors: [String(error.message ?? error)] });
  }
}
process.stdout.write(JSON.stringify({ problems }) + '\n');
