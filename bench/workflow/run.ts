/**
 * Workflow engine benchmark (not a test), in the shape of Windmill's orchestrator benchmark:
 * one execution of 40 lightweight components in sequence (logic.code computing fibonacci(10)) and
 * one of 10 heavy ones (fibonacci(33)); wall time from create_execution (REST) to `completed`,
 * against a hand-written Temporal workflow running the same number of plain activities on the
 * same Temporal server in the same run.
 *
 *   npm run bench:workflow            # BENCH_RUNS=5 repetitions, median reported
 *   BENCH_CASES=light npm run bench:workflow
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { comp, definition, flow } from '../../test/support/workflow-builders';
import { startBenchPlatform } from '../support/platform';
import { median } from '../support/stats';
import { baselineActivities, fibonacciSource } from './activities';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const here = path.dirname(fileURLToPath(import.meta.url));
const ENGINE = 'workflow_blobhub';

/** start → count × logic.code fib(n) in sequence → end */
function chain(count: number, n: number) {
  const code = `${fibonacciSource} set_data_output('result', create_value('integer', fib(${n})));`;
  const ids = Array.from({ length: count }, (_, i) => `c${i}`);
  return definition(
    [comp('s', 'flow.start'), ...ids.map((id) => comp(id, 'logic.code', { language: 'javascript', code }, { timeout_ms: 300_000 })), comp('e', 'flow.end')],
    ['s', ...ids, 'e'].slice(1).map((id, i) => flow(i === 0 ? 's' : ids[i - 1]!, id)), // the step before this one
  );
}

const platform = await startBenchPlatform();
const { app, admin: client } = platform;

const baselineQueue = 'bench-baseline';
const baselineConnection = await NativeConnection.connect({ address: platform.temporalAddress });
const baselineWorker = await Worker.create({
  connection: baselineConnection,
  namespace: app.temporal.namespace,
  taskQueue: baselineQueue,
  workflowsPath: path.join(here, 'baseline.ts'),
  activities: baselineActivities,
});
const baselineDone = baselineWorker.run();

async function blobhubRun(revisionId: string, alias: string): Promise<number> {
  const startedAt = performance.now();
  const created = await client.data(revisionId, ENGINE, 'create_execution', { alias });
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  await app.temporal.client.workflow.getHandle(created.body.execution.id).result();
  const elapsed = performance.now() - startedAt;
  const done = await client.data(revisionId, ENGINE, 'get_execution', { execution_id: created.body.execution.id });
  if (done.body.execution.status !== 'completed') throw new Error(JSON.stringify(done.body.execution.error));
  return elapsed;
}

async function baselineRun(count: number, n: number): Promise<number> {
  const startedAt = performance.now();
  await app.temporal.client.workflow.execute('baselineChain', {
    taskQueue: baselineQueue,
    workflowId: `baseline-${randomBytes(6).toString('hex')}`,
    args: [count, n],
  });
  return performance.now() - startedAt;
}

try {
  await client.post('/orgs', { name: 'bench' });
  const revisionId = (await client.post('/orgs/bench/blobs', { name: 'chains', type: 'workflow', visibility: 'private' })).body.revision.id;
  const cases = [
    { alias: 'light', count: 40, n: 10, label: '40 × fibonacci(10) (lightweight)' },
    { alias: 'heavy', count: 10, n: 33, label: '10 × fibonacci(33) (heavy)' },
  ].filter((c) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(c.alias));
  for (const c of cases) await client.data(revisionId, ENGINE, 'upload_definition', { alias: c.alias, definition: chain(c.count, c.n) });

  console.log(`| chain | BlobHub (median of ${runs}) | hand-written Temporal workflow | ratio |`);
  console.log('|---|---|---|---|');
  for (const c of cases) {
    // warm-up: workflow bundle, sandbox pool, connections
    await blobhubRun(revisionId, c.alias);
    await baselineRun(c.count, c.n);
    const blobhub: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < runs; i++) {
      blobhub.push(await blobhubRun(revisionId, c.alias));
      baseline.push(await baselineRun(c.count, c.n));
    }
    const [b, t] = [median(blobhub), median(baseline)];
    console.log(`| ${c.label} | ${(b / 1000).toFixed(3)} s | ${(t / 1000).toFixed(3)} s | ${(b / t).toFixed(2)} |`);
    console.error(`  ${c.alias} runs (ms): BlobHub ${blobhub.map(Math.round).join(', ')}; baseline ${baseline.map(Math.round).join(', ')}`);
  }
} finally {
  baselineWorker.shutdown();
  await baselineDone;
  await baselineConnection.close();
  await platform.shutdown();
}
