#!/usr/bin/env node
// Runs the fibonacci definition end to end over REST: an org, a workflow blob, the definition,
// an execution of fibonacci(n), and its result and events. Needs BLOBHUB_API_URL (…/v1) and
// BLOBHUB_API_KEY; `node docs/examples/run-fibonacci.mjs 20` computes fibonacci(20).
import { readFileSync } from 'node:fs';

const url = process.env.BLOBHUB_API_URL ?? 'http://localhost:8080/v1';
const key = process.env.BLOBHUB_API_KEY;
if (!key) throw new Error('set BLOBHUB_API_KEY (dev mode prints it and saves it in .blobhub/client-home/.blobhub/credentials.yaml)');
const n = Number(process.argv[2] ?? 10);

async function call(method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const data = (revision, command, params) => call('POST', `/revisions/${revision}/data`, { engine: 'workflow_blobhub', command, ...params });

const suffix = Date.now().toString(36);
const { org } = await call('POST', '/orgs', { name: `examples-${suffix}` });
const { blob, revision } = await call('POST', `/orgs/${org.id}/blobs`, { name: 'fibonacci', type: 'workflow' });
const definition = JSON.parse(readFileSync(new URL('./fibonacci.json', import.meta.url), 'utf8'));
await data(revision.id, 'upload_definition', { alias: 'fib', definition });
let { execution } = await data(revision.id, 'create_execution', { alias: 'fib', input_data: [{ alias: 'n', value: { type: 'integer', integer: n } }] });
while (!['succeeded', 'completed', 'failed', 'cancelled', 'stopped', 'timed_out'].includes(execution.status)) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  ({ execution } = await data(revision.id, 'get_execution', { execution_id: execution.id }));
}
const { events } = await data(revision.id, 'list_execution_events', { execution_id: execution.id });
console.log(`org ${org.name}, blob ${blob.id}, execution ${execution.id}: ${execution.status}`);
console.log(`fibonacci(${n}) = ${execution.output_data?.find((o) => o.alias === 'result')?.value.integer}`);
console.log(`events: ${events.map((e) => e.type).join(' ')}`);
console.log(`Temporal UI: ${execution.temporal?.ui_url}`);
