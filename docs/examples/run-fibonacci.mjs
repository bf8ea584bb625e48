#!/usr/bin/env node
// Runs the fibonacci definition end to end over REST: an org, a workflow blob, the definition,
// an execution of fibonacci(n), and its result and events. Needs BLOBHUB_API_URL (…/v1) and
// BLOBHUB_API_KEY; `node docs/examples/run-fibonacci.mjs 20` computes fibonacci(20).
import { data, fibonacciBlob } from './client.mjs';

const n = Number(process.argv[2] ?? 10);
const { org, blob, revision } = await fibonacciBlob('examples');
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
