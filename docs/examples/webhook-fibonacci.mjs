#!/usr/bin/env node
// A webhook trigger end to end: an org, a workflow blob with the fibonacci definition, a sync
// trigger mapping the body's `n` to the input `n`, and one signed POST to its URL, answered with
// the ended execution. Needs BLOBHUB_API_URL (…/v1) and BLOBHUB_API_KEY; `node docs/examples/webhook-fibonacci.mjs 20`.
import { createHmac } from 'node:crypto';
import { data, fibonacciBlob } from './client.mjs';

const n = Number(process.argv[2] ?? 10);
const { revision } = await fibonacciBlob('hooks');
const { trigger } = await data(revision.id, 'create_trigger', {
  alias: 'fib',
  mode: 'sync',
  input_mapping: [{ alias: 'n', source: 'body', path: '/n', type: 'integer' }],
});
console.log(`trigger ${trigger.id}: POST ${trigger.url} (secret shown once: ${trigger.secret.slice(0, 10)}…)`);

// what the sender does: sign "<timestamp>.<body>" with the secret
const body = JSON.stringify({ n });
const timestamp = String(Math.floor(Date.now() / 1000));
const signature = createHmac('sha256', trigger.secret).update(`${timestamp}.${body}`).digest('hex');
const res = await fetch(trigger.url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-blobhub-timestamp': timestamp, 'x-blobhub-signature': `sha256=${signature}` },
  body,
});
const { execution } = await res.json();
console.log(`${res.status}: execution ${execution.id} ${execution.status}, trigger_id ${execution.trigger_id}`);
console.log(`fibonacci(${n}) = ${execution.output_data?.find((o) => o.alias === 'result')?.value.integer}`);
