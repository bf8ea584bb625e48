/**
 * Workflow engine benchmark (not a test), production shape: PostgreSQL, the Temporal dev server,
 * BlobHub's API and worker as their own processes, and a hand-written Temporal workflow doing the
 * same work with its own worker process, in the same run. Cases (BENCH_CASES, all by default):
 * - trivial: executions of one `logic.code` returning a constant (a local activity in BlobHub),
 *   against a workflow running one local activity returning a constant:
 *   SQL statements per execution (pg_stat_statements), throughput with BENCH_CLIENTS (20)
 *   concurrent clients for BENCH_SECONDS (30) with the server-side CPU per execution (API + worker
 *   + Temporal + PostgreSQL, from /proc), and p50/p99 latency of one execution at a time from REST
 *   `create_execution` to its `execution_ended` on a subscribed WebSocket against the baseline's
 *   `execute()` (BENCH_SAMPLES, 50);
 * - light / heavy: Windmill's orchestrator shape, one execution of 40 `logic.code` components in
 *   sequence computing fibonacci(10), and one of 10 computing fibonacci(33) (recursive); wall time
 *   from create_execution to the workflow's end against the same chain of local and of regular
 *   activities (BENCH_RUNS, 5, median).
 *
 *   npm run bench:workflow
 *   BENCH_CASES=trivial BENCH_SECONDS=10 npm run bench:workflow
 */
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { sql } from 'drizzle-orm';
import WebSocket from 'ws';
import { comp, definition, flow } from '../../test/support/workflow-builders';
import { ApiClient } from '../../test/support/client';
import { startBenchPlatform } from '../support/platform';
import { cpuMsOfTrees, forkScript, loadAverage, messageFrom, startApiProcess, startWorkerProcess } from '../support/services';
import { median, percentile } from '../support/stats';
import { fibonacciSource } from './activities';
import type { ActivityKind } from './baseline';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const clients = Number(process.env.BENCH_CLIENTS ?? 20);
const samples = Number(process.env.BENCH_SAMPLES ?? 50);
const cases = (process.env.BENCH_CASES ?? 'trivial,light,heavy').split(',');
const ENGINE = 'workflow_blobhub';

/** start → count × logic.code fib(n) in sequence → end */
function chain(count: number, n: number, timeoutMs: number) {
  const code = `${fibonacciSource} set_data_output('result', create_value('integer', fib(${n})));`;
  const ids = Array.from({ length: count }, (_, i) => `c${i}`);
  return definition(
    [comp('s', 'flow.start'), ...ids.map((id) => comp(id, 'logic.code', { language: 'javascript', code }, { timeout_ms: timeoutMs })), comp('e', 'flow.end')],
    ['s', ...ids, 'e'].slice(1).map((id, i) => flow(i === 0 ? 's' : ids[i - 1]!, id)), // the step before this one
  );
}

const platform = await startBenchPlatform({
  worker: false,
  postgresSettings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track_utility': 'on' },
});
const { app } = platform;
await app.db.execute(sql`create extension if not exists pg_stat_statements`);
const api = await startApiProcess(platform.env);
const worker = await startWorkerProcess(platform.env);
const client = new ApiClient(api.url, { key: platform.adminKey });
const temporal = app.temporal.client;

const baselineQueue = `bench-baseline-${randomBytes(4).toString('hex')}`;
const baselineWorker = forkScript('bench/workflow/baseline-worker.ts', [platform.temporalAddress, app.temporal.namespace, baselineQueue]);
await messageFrom(baselineWorker, 'ready');

const pids = (children: (ChildProcess | undefined)[]) => children.map((c) => c?.pid).filter((pid): pid is number => pid !== undefined);
const sharedServers = pids([platform.postgres.child, platform.temporalProcess.child]);
const blobhubServers = [...sharedServers, ...pids([api.child, worker])];
const baselineServers = [...sharedServers, ...pids([baselineWorker])];
console.error(
  `  server processes: PostgreSQL, Temporal ${sharedServers.join(', ')}; API, worker ${pids([api.child, worker]).join(', ')}; baseline worker ${baselineWorker.pid}`,
);

async function createExecution(revisionId: string, alias: string, sessionId?: string): Promise<string> {
  const created = await client.data(revisionId, ENGINE, 'create_execution', { alias, ...(sessionId && { session_id: sessionId }) });
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  return created.body.execution.id;
}

async function blobhubRun(revisionId: string, alias: string): Promise<number> {
  const startedAt = performance.now();
  const id = await createExecution(revisionId, alias);
  await temporal.workflow.getHandle(id).result();
  return performance.now() - startedAt;
}

async function baselineRun(workflow: 'baselineChain' | 'baselineTrivial', args: unknown[]): Promise<number> {
  const startedAt = performance.now();
  await temporal.workflow.execute(workflow, { taskQueue: baselineQueue, workflowId: `baseline-${randomBytes(6).toString('hex')}`, args });
  return performance.now() - startedAt;
}

/** The rows of a raw query (postgres-js answers an array, PGlite an object with rows). */
const rowsOf = <T>(result: unknown) => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

const statementsSoFar = async () =>
  Number(rowsOf<{ calls: string }>(await app.db.execute(sql`select coalesce(sum(calls), 0) as calls from pg_stat_statements`))[0]?.calls);

/** SQL statements per trivial execution, one execution at a time (every process's statements, ours subtracted). */
async function statementsPerExecution(revisionId: string, count: number) {
  await app.db.execute(sql`select pg_stat_statements_reset()`);
  const before = await statementsSoFar();
  for (let i = 0; i < count; i++) await blobhubRun(revisionId, 'trivial');
  const after = await statementsSoFar();
  const top = rowsOf<{ calls: string; query: string }>(
    await app.db.execute(sql`select calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) as query from pg_stat_statements order by calls desc limit 25`),
  );
  console.error(`  statements by calls over ${count} trivial executions:`);
  for (const row of top) console.error(`    ${String(row.calls).padStart(6)}  ${row.query}`);
  return (after - before - 1) / count;
}

/** Completed runs of `once` by `clients` concurrent loops for the bench's seconds, and the servers' CPU per run. */
async function throughput(once: () => Promise<unknown>, servers: number[]) {
  const cpuBefore = cpuMsOfTrees(servers);
  const eachBefore = servers.map((pid) => cpuMsOfTrees([pid]));
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async () => {
    while (performance.now() < until) {
      await once();
      done++;
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: clients }, loop));
  const elapsed = (performance.now() - startedAt) / 1000;
  const each = servers.map((pid, i) => `${pid}: ${((cpuMsOfTrees([pid]) - eachBefore[i]!) / done).toFixed(1)} ms`);
  console.error(`  CPU per run by server process tree: ${each.join(', ')}`);
  return { perSecond: done / elapsed, cpuMsPerRun: (cpuMsOfTrees(servers) - cpuBefore) / done };
}

/** A WebSocket subscribed to the session's execution_ended events; `ended(id)` resolves when that execution's arrives. */
async function endedWatcher(revisionId: string, sessionId: string) {
  const waiting = new Map<string, () => void>();
  const ws = new WebSocket(`${api.url.replace('http', 'ws')}/v1/realtime`, { headers: { 'x-api-key': platform.adminKey } });
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString());
      if (frame.id === 1) return frame.result ? resolve() : reject(new Error(`subscription refused: ${data.toString()}`));
      const event = frame.params?.event;
      if (event?.type === 'execution_ended') waiting.get(event.execution_id)?.();
    });
    ws.once('open', () =>
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'subscription/add',
          params: { scope: 'revision', scope_id: revisionId, target: 'session', target_id: sessionId, types: ['execution_ended'] },
        }),
      ),
    );
  });
  return {
    /** create_execution → its execution_ended on the socket, in ms */
    async measure(alias: string): Promise<number> {
      const startedAt = performance.now();
      let ended!: () => void;
      const arrived = new Promise<void>((resolve) => (ended = resolve));
      const id = await createExecution(revisionId, alias, sessionId);
      waiting.set(id, ended);
      await arrived;
      waiting.delete(id);
      return performance.now() - startedAt;
    },
    close: () => ws.close(),
  };
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const summary = (xs: number[]) => {
  const sorted = Float64Array.from(xs).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

async function trivialCase(revisionId: string) {
  const trivial = definition(
    [
      comp('s', 'flow.start'),
      comp('c', 'logic.code', { language: 'javascript', code: "set_data_output('result', create_value('integer', 42));" }),
      comp('e', 'flow.end'),
    ],
    [flow('s', 'c'), flow('c', 'e')],
  );
  await client.data(revisionId, ENGINE, 'upload_definition', { alias: 'trivial', definition: trivial });
  const kind: ActivityKind = 'local';
  for (let i = 0; i < 5; i++) await Promise.all([blobhubRun(revisionId, 'trivial'), baselineRun('baselineTrivial', [kind])]); // warm-up

  const statements = await statementsPerExecution(revisionId, 20);
  console.log(`\nload average before the trivial case: ${loadAverage()}`);
  console.log('| trivial execution | BlobHub | hand-written workflow, one local activity | ratio |');
  console.log('|---|---|---|---|');
  console.log(`| SQL statements per execution | ${statements.toFixed(1)} | 0 | – |`);

  const b = await throughput(() => blobhubRun(revisionId, 'trivial'), blobhubServers);
  const t = await throughput(() => baselineRun('baselineTrivial', [kind]), baselineServers);
  console.log(
    `| executions/s, ${clients} concurrent clients, ${seconds} s | ${b.perSecond.toFixed(1)} | ${t.perSecond.toFixed(1)} | ${(b.perSecond / t.perSecond).toFixed(2)} |`,
  );
  console.log(`| server CPU per execution | ${ms(b.cpuMsPerRun)} | ${ms(t.cpuMsPerRun)} | ${(b.cpuMsPerRun / t.cpuMsPerRun).toFixed(2)} |`);

  const sessionId = (await client.data(revisionId, ENGINE, 'create_session', { name: 'latency' })).body.session.id;
  const watcher = await endedWatcher(revisionId, sessionId);
  const blobhub: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < samples; i++) {
    blobhub.push(await watcher.measure('trivial'));
    baseline.push(await baselineRun('baselineTrivial', [kind]));
  }
  watcher.close();
  const [bl, tl] = [summary(blobhub), summary(baseline)];
  console.log(`| create_execution → execution_ended on a WebSocket vs execute(), p50 | ${ms(bl.p50)} | ${ms(tl.p50)} | ${(bl.p50 / tl.p50).toFixed(2)} |`);
  console.log(`| the same, p99 | ${ms(bl.p99)} | ${ms(tl.p99)} | ${(bl.p99 / tl.p99).toFixed(2)} |`);
  console.log(`load average after the trivial case: ${loadAverage()}`);
}

async function chainCases(revisionId: string) {
  const chains = [
    // within a few seconds: BlobHub runs them as local activities
    { alias: 'light', count: 40, n: 10, timeoutMs: 2_000, label: '40 × fibonacci(10) (lightweight, timeout_ms 2 s)' },
    // a long time limit: BlobHub runs them as regular activities
    { alias: 'heavy', count: 10, n: 33, timeoutMs: 60_000, label: '10 × fibonacci(33) (heavy, timeout_ms 60 s)' },
  ].filter((c) => cases.includes(c.alias));
  if (!chains.length) return;
  for (const c of chains) await client.data(revisionId, ENGINE, 'upload_definition', { alias: c.alias, definition: chain(c.count, c.n, c.timeoutMs) });
  console.log(`\nload average before the chains: ${loadAverage()}`);
  console.log(`| chain (median of ${runs}) | BlobHub | hand-written workflow, local activities | ratio | hand-written workflow, regular activities | ratio |`);
  console.log('|---|---|---|---|---|---|');
  for (const c of chains) {
    // warm-up: workflow bundle, sandbox pool, connections
    await blobhubRun(revisionId, c.alias);
    await baselineRun('baselineChain', [c.count, c.n, 'local']);
    await baselineRun('baselineChain', [c.count, c.n, 'regular']);
    const times = { blobhub: [] as number[], local: [] as number[], regular: [] as number[] };
    for (let i = 0; i < runs; i++) {
      times.blobhub.push(await blobhubRun(revisionId, c.alias));
      times.local.push(await baselineRun('baselineChain', [c.count, c.n, 'local']));
      times.regular.push(await baselineRun('baselineChain', [c.count, c.n, 'regular']));
    }
    const [b, l, r] = [median(times.blobhub), median(times.local), median(times.regular)];
    const s = (x: number) => `${(x / 1000).toFixed(3)} s`;
    console.log(`| ${c.label} | ${s(b)} | ${s(l)} | ${(b / l).toFixed(2)} | ${s(r)} | ${(b / r).toFixed(2)} |`);
    console.error(
      `  ${c.alias} runs (ms): BlobHub ${times.blobhub.map(Math.round).join(', ')}; local ${times.local.map(Math.round).join(', ')}; regular ${times.regular.map(Math.round).join(', ')}`,
    );
  }
  console.log(`load average after the chains: ${loadAverage()}`);
}

try {
  await client.post('/orgs', { name: 'bench' });
  const revisionId = (await client.post('/orgs/bench/blobs', { name: 'flows', type: 'workflow', visibility: 'private' })).body.revision.id;
  if (cases.includes('trivial')) await trivialCase(revisionId);
  await chainCases(revisionId);
} finally {
  baselineWorker.send({ stop: true });
  worker.kill('SIGTERM');
  api.child.kill('SIGTERM');
  await Promise.all([baselineWorker, worker, api.child].map((c) => new Promise((resolve) => c.once('exit', resolve))));
  await platform.shutdown();
}
