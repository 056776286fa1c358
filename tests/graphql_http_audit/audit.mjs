// The graphql-http audit suite (GraphQL over HTTP conformance) against a live qcredit server.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Prints one line per audit ("ok" | "warn" | "error", its id and name) and, last, a JSON summary
// line; exits 1 when any audit warns or fails (tests/test_graphql_http_audit.py reads both).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}
const results = await auditServer({ url });
const counts = { ok: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  let line = `${result.status}\t${result.id}\t${result.name}`;
  if (result.status !== 'ok') {
    const response = result.response;
    let body = '';
    try {
      body = response ? await response.text() : '';
    } catch {
      body = '(body already read)';
    }
    const status = response ? response.status : '';
    const type = response ? response.headers.get('content-type') : '';
    line += `\n\t${result.reason}\n\t-> ${status} ${type} ${body.slice(0, 300)}`;
  }
  console.log(line);
}
console.log(JSON.stringify({ summary: counts, total: results.length }));
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
