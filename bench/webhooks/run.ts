/**
 * Webhook and idempotency benchmark (not a test): the answer time of a signed webhook delivery
 * against create_execution over REST with an API key (the same execution started the other way),
 * of create_execution with a fresh idempotency key and with a repeated one against without, and a
 * sync webhook's round trip to the ended execution against create_execution then polling
 * get_execution every 100 ms (what a caller does without sync mode). Sequential requests, one
 * platform, same run.
 *
 *   npm run bench:webhooks          # BENCH_REQUESTS=50 per side
 */
import { createHmac } from 'node:crypto';
import { fibonacciDefinition } from '../../test/support/workflow-builders';
import { startBenchPlatform } from '../support/platform';
import { percentile } from '../support/stats';

const requests = Number(process.env.BENCH_REQUESTS ?? 50);
const ENGINE = 'workflow_blobhub';
const platform = await startBenchPlatform();
const { admin: client } = platform;

async function command(revisionId: string, name: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await client.request('POST', `/revisions/${revisionId}/data`, { engine: ENGINE, command: name, ...body }, headers);
  if (res.status !== 200) throw new Error(`${name}: ${JSON.stringify(res.body)}`);
  return res.body;
}

const fib = (n: number) => ({ alias: 'fib', input_data: [{ alias: 'n', value: { type: 'integer', integer: n } }] });

async function deliver(trigger: { url: string; secret: string }, n: number) {
  const body = JSON.stringify({ n });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', trigger.secret).update(`${timestamp}.${body}`).digest('hex');
  const res = await fetch(trigger.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-blobhub-timestamp': timestamp, 'x-blobhub-signature': `sha256=${signature}` },
    body,
  });
  const answer = (await res.json()) as { execution: { status: string } };
  if (res.status >= 300) throw new Error(`hook: ${res.status} ${JSON.stringify(answer)}`);
  return answer.execution;
}

async function pollUntilEnded(revisionId: string, id: string) {
  for (;;) {
    const { execution } = await command(revisionId, 'get_execution', { execution_id: id });
    if (!['pending', 'queued', 'running'].includes(execution.status)) return execution;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Milliseconds of `requests` sequential runs of each side, ascending: the sides take turns within
 * each round, so that a change in the machine's load falls on all of them alike.
 */
async function timings(sides: Record<string, (i: number) => Promise<unknown>>): Promise<[string, number[]][]> {
  const ms = Object.fromEntries(Object.keys(sides).map((name) => [name, [] as number[]]));
  for (let i = 0; i < requests; i++) {
    for (const [name, work] of Object.entries(sides)) {
      const startedAt = performance.now();
      await work(i);
      ms[name]!.push(performance.now() - startedAt);
    }
  }
  return Object.entries(ms).map(([name, values]) => [name, values.sort((a, b) => a - b)]);
}

const row = ([name, ms]: [string, number[]]) => `| ${name} | ${percentile(ms, 50).toFixed(1)} ms | ${percentile(ms, 95).toFixed(1)} ms |`;

try {
  await client.post('/orgs', { name: 'bench' });
  const { revision } = (await client.post('/orgs/bench/blobs', { name: 'hooks', type: 'workflow', visibility: 'private' })).body;
  const rev = revision.id as string;
  await command(rev, 'upload_definition', { alias: 'fib', definition: fibonacciDefinition() });
  const mapping = [{ alias: 'n', source: 'body', path: '/n', type: 'integer' }];
  const asyncTrigger = (await command(rev, 'create_trigger', { alias: 'fib', input_mapping: mapping, rate_limit_per_minute: 10_000 })).trigger;
  const syncTrigger = (await command(rev, 'create_trigger', { alias: 'fib', mode: 'sync', input_mapping: mapping, rate_limit_per_minute: 10_000 })).trigger;
  // warm both paths (JIT, connection pools, the worker's first run)
  await deliver(syncTrigger, 3);
  await pollUntilEnded(rev, (await command(rev, 'create_execution', fib(3))).execution.id);

  const starts = await timings({
    'create_execution (REST, API key) → 200': () => command(rev, 'create_execution', fib(5)),
    'webhook, async (HMAC checked) → 202': () => deliver(asyncTrigger, 5),
    'create_execution, new idempotency key → 200': (i) => command(rev, 'create_execution', { ...fib(5), idempotency_key: `bench-${i}` }),
    'create_execution, repeated idempotency key → 200 (first execution)': (i) => command(rev, 'create_execution', { ...fib(5), idempotency_key: `bench-${i}` }),
  });
  const roundTrips = await timings({
    'webhook, sync → 200 with the ended execution': () => deliver(syncTrigger, 10),
    'create_execution + get_execution every 100 ms until ended': async () =>
      pollUntilEnded(rev, (await command(rev, 'create_execution', fib(10))).execution.id),
  });

  console.log(`${requests} sequential requests per side, the sides taking turns\n`);
  console.log('| request | p50 | p95 |\n|---|---|---|');
  for (const side of [...starts, ...roundTrips]) console.log(row(side));
} finally {
  await platform.shutdown();
}
