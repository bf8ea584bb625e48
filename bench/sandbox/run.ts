/**
 * Sandbox benchmark (not a test):
 *  - JavaScript speed (javascript.ts): fibonacci(30) in logic.code against plain Node in the same
 *    run, and a trivial run's p50/p99;
 *  - fairness: p50/p99 of a trivial logic.code execution (the SPEC's fibonacci(10), REST
 *    create_execution → succeeded) while N orgs each run spinning components (`while (true) {}`,
 *    timeout_ms 45 s), against the same execution on the idle worker in the same run.
 *
 *   npm run bench:sandbox                       # BENCH_ORGS=1,4 BENCH_SPINNERS=4 BENCH_SAMPLES=30 BENCH_ROUNDS=15
 *   BENCH_THREADS=4 npm run bench:sandbox       # BLOBHUB_SANDBOX_THREADS (default: min(4, cores))
 */
import { fibonacciDefinition, comp, definition, flow } from '../../test/support/workflow-builders';
import { startBenchPlatform } from '../support/platform';
import { percentile } from '../support/stats';
import { javascriptSpeed, loadAverage } from './javascript';

const ENGINE = 'workflow_blobhub';
const orgCounts = (process.env.BENCH_ORGS ?? '1,4').split(',').map(Number);
const spinnersPerOrg = Number(process.env.BENCH_SPINNERS ?? 4);
const samples = Number(process.env.BENCH_SAMPLES ?? 30);
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const env: Record<string, string> = process.env.BENCH_THREADS ? { BLOBHUB_SANDBOX_THREADS: process.env.BENCH_THREADS } : {};

const spinner = definition(
  [comp('s', 'flow.start'), comp('spin', 'logic.code', { code: 'while (true) {}' }, { timeout_ms: 45_000 }), comp('e', 'flow.end')],
  [flow('s', 'spin'), flow('spin', 'e')],
);

// before the platform starts: no executions compete with the compute
const speed = await javascriptSpeed(rounds, samples);
const platform = await startBenchPlatform({ env });
const { app, admin: client } = platform;

async function workflowRevision(org: string, alias: string, def: unknown): Promise<string> {
  await client.post('/orgs', { name: org });
  const created = await client.post(`/orgs/${org}/blobs`, { name: 'flows', type: 'workflow', visibility: 'private' });
  const revisionId = created.body.revision.id as string;
  await client.data(revisionId, ENGINE, 'upload_definition', { alias, definition: def });
  return revisionId;
}

async function start(revisionId: string, alias: string, inputData: unknown[] = []): Promise<string> {
  const created = await client.data(revisionId, ENGINE, 'create_execution', { alias, input_data: inputData });
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  return created.body.execution.id;
}

/** One trivial execution, REST create to succeeded, in ms. */
async function trivialRun(revisionId: string): Promise<number> {
  const startedAt = performance.now();
  const id = await start(revisionId, 'fibonacci', [{ alias: 'n', value: { type: 'integer', integer: 10 } }]);
  await app.temporal.client.workflow.getHandle(id).result();
  return performance.now() - startedAt;
}

async function measure(revisionId: string): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await trivialRun(revisionId));
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Waits until `count` sandbox runs hold threads or queue (the spinners have reached the pool). */
async function spinnersArrived(count: number) {
  for (;;) {
    const ready = (await client.get('/readyz')).body;
    const sandbox = ready.sandbox ?? ready.error.details.sandbox;
    if (sandbox.running + sandbox.queued >= count) return sandbox;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const fmt = (ms: number) => `${ms >= 1000 ? (ms / 1000).toFixed(2) + ' s' : ms.toFixed(0) + ' ms'}`;

try {
  const quiet = await workflowRevision('quiet', 'fibonacci', fibonacciDefinition());
  await measure(quiet); // warm-up: workflow bundle, sandbox threads, connections
  const idle = await measure(quiet);
  const { threads } = (await client.get('/readyz')).body.sandbox;
  const row = (load: string, pool: string, m: { p50: number; p99: number }) =>
    `| ${load} | ${pool} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${(m.p50 / idle.p50).toFixed(2)} |`;
  const rows = [row('idle worker', '–', idle)];
  for (const orgs of orgCounts) {
    const spinning: [string, string][] = [];
    for (let o = 0; o < orgs; o++) {
      const rev = await workflowRevision(`spin-${orgs}-${o}`, 'spin', spinner);
      for (let i = 0; i < spinnersPerOrg; i++) spinning.push([rev, await start(rev, 'spin')]);
    }
    const pool = await spinnersArrived(spinning.length);
    const loaded = await measure(quiet);
    rows.push(row(`${orgs} org${orgs > 1 ? 's' : ''} × ${spinnersPerOrg} spinners`, `${pool.running} running, ${pool.queued} queued`, loaded));
    await Promise.all(spinning.map(([rev, id]) => client.data(rev, ENGINE, 'cancel_execution', { execution_id: id })));
    await Promise.all(
      spinning.map(([, id]) =>
        app.temporal.client.workflow
          .getHandle(id)
          .result()
          .catch(() => undefined),
      ),
    );
  }
  // idle once more: on a shared machine the other load drifts during the run
  rows.push(row('idle worker, again after', '–', await measure(quiet)));
  console.log(`\n${speed.join('\n')}`);
  console.log(`\nsandbox: ${threads} threads, 2 per org, 1 kept for short runs; ${samples} trivial runs per row; load average ${loadAverage()}\n`);
  console.log('| load | sandbox pool while measuring | trivial p50 | trivial p99 | p50 / idle p50 |');
  console.log('|---|---|---|---|---|');
  for (const line of rows) console.log(line);
} finally {
  await platform.shutdown();
}
