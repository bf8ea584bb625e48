/**
 * An operator stops PostgreSQL for 30 s while executions run and clients keep calling, then starts
 * it again. The API and the worker run as separate processes on a PostgreSQL of this file's own
 * (stopping the run's shared server would break the other test files).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { newId } from '../../core/ids';
import { executions } from '../../db/schema';
import { ApiClient, errorCode, type ApiResponse } from '../../test/support/client';
import { launchPlatform, type LaunchedPlatform } from '../../test/support/launch';
import { startPostgres, type PostgresServer } from '../../test/support/postgres';
import { startApiProcess, startWorkerProcess, type BlobHubProcess } from '../../test/support/processes';
import { comp, definition, ENGINE, eventsOf, flow, newWorkflowBlob, upload, waitForStatus } from '../../test/support/workflow';

const OUTAGE_MS = 30_000;
const STEPS = 6;

let pg: PostgresServer;
let platform: LaunchedPlatform;
let api: BlobHubProcess;
let worker: BlobHubProcess;
let client: ApiClient;

beforeAll(async () => {
  pg = await startPostgres();
  const temporal = { address: inject('temporalAddress'), httpAddress: inject('temporalHttpAddress'), metricsAddress: inject('temporalMetricsAddress') };
  platform = await launchPlatform({ databaseUrl: pg.url, temporal, worker: false });
  [api, worker] = await Promise.all([startApiProcess(platform.env), startWorkerProcess(platform.env)]);
  client = new ApiClient(api.url!, { key: platform.adminKey });
}, 240_000);

afterAll(async () => {
  await Promise.all([api?.kill(), worker?.kill()]);
  await platform?.close();
  await pg?.stop();
});

/** start → (log line, 3 s delay) × STEPS → end: every step writes events, and a run spans the outage. */
function steppedDefinition() {
  const ids = Array.from({ length: STEPS }, (_, i) => [`c${i}`, `d${i}`]).flat();
  const components = [
    comp('s', 'flow.start'),
    ...ids.map((id) => (id.startsWith('c') ? comp(id, 'logic.code', { code: `console.log('step ${id}')` }) : comp(id, 'flow.delay', { seconds: 3 }))),
    comp('e', 'flow.end'),
  ];
  const chain = ['s', ...ids, 'e'];
  return definition(
    components,
    chain.slice(1).map((id, i) => flow(chain[i]!, id)), // chain[i] is the step before id
  );
}

/** What a run of the stepped definition records, once each, in order. */
function expectedEvents() {
  const steps = Array.from({ length: STEPS }, (_, i) => [
    `processor.entered:c${i}`,
    `processor.output:c${i}`,
    `processor.exited:c${i}`,
    `processor.entered:d${i}`,
    `processor.exited:d${i}`,
  ]).flat();
  return [
    'execution_started:',
    'flow.entered:',
    'processor.entered:s',
    'processor.exited:s',
    ...steps,
    'processor.entered:e',
    'processor.exited:e',
    'flow.exited:',
    'execution_ended:',
  ];
}

/** Until the execution has run one step (a loaded machine takes longer than waitForEvent's 20 s to start four). */
async function untilStepExited(rev: string, executionId: string, step: string) {
  const deadline = Date.now() + 120_000;
  while (!(await eventsOf(client, rev, executionId)).some((e) => e.type === 'processor.exited' && e.attributes?.processor_id === step)) {
    if (Date.now() > deadline) throw new Error(`${executionId} never finished step ${step}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const create = (rev: string, executionId: string, alias = 'stepped') => client.data(rev, ENGINE, 'create_execution', { alias, execution_id: executionId });

/** Clients that keep creating executions and asking /readyz while the database comes and goes. */
function keepCalling(rev: string) {
  const acknowledged = new Set<string>();
  const refused = new Set<string>();
  const unavailable: ApiResponse[] = [];
  const unexpected: string[] = [];
  const readiness: ApiResponse[] = [];
  const trpc: ApiResponse[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const id = newId('execution');
      const [created, ready, me] = await Promise.all([create(rev, id), client.get('/readyz'), client.get(`/trpc/users.me?input=${encodeURIComponent('{}')}`)]);
      readiness.push(ready);
      trpc.push(me);
      if (created.status === 200) acknowledged.add(id);
      else if (created.status === 503) {
        refused.add(id);
        unavailable.push(created);
      } else unexpected.push(`${created.status} ${JSON.stringify(created.body)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    acknowledged,
    refused,
    unavailable,
    unexpected,
    readiness,
    trpc,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The events a run records once each; processor.queued comes and goes with the sandbox pool's load (one per attempt that waited). */
const logical = (events: { type: string; attributes?: { processor_id?: string } }[]) =>
  events.filter((e) => e.type !== 'processor.queued').map((e) => `${e.type}:${e.attributes?.processor_id ?? ''}`);

it('survives PostgreSQL stopped for 30 s under load: processes stay up, 503 + Retry-After meanwhile, every execution completes once with every event once', async () => {
  const { revisionId: rev } = await newWorkflowBlob(client, 'outage');
  await upload(client, rev, 'stepped', steppedDefinition());
  const running = await Promise.all(Array.from({ length: 4 }, async () => (await create(rev, newId('execution'))).body.execution.id as string));
  await Promise.all(running.map((id) => untilStepExited(rev, id, 'c0')));

  const calls = keepCalling(rev);
  await pg.halt();
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  await pg.resume();
  // the processes reconnect at their own pace on a loaded machine: calls go on until the API says ready again
  await expect.poll(() => calls.readiness.at(-1)?.status, { timeout: 60_000 }).toBe(200);
  await new Promise((r) => setTimeout(r, 5_000));
  await calls.stop();

  expect(api.child.exitCode, api.stderrTail()).toBeNull();
  expect(worker.child.exitCode, worker.stderrTail()).toBeNull();
  expect(calls.unexpected).toEqual([]);
  expect(calls.unavailable.length).toBeGreaterThan(0);
  for (const res of calls.unavailable) {
    expect(errorCode(res)).toBe('unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  const down = calls.readiness.filter((r) => r.status === 503);
  expect(down.length).toBeGreaterThan(0);
  expect(down[0]!.headers.get('retry-after')).not.toBeNull();
  expect(down[0]!.body.details.database).not.toBe('ok');
  expect(calls.readiness.at(-1)?.status).toBe(200);
  const trpcDown = calls.trpc.filter((r) => r.status !== 200);
  expect(trpcDown.length).toBeGreaterThan(0);
  for (const res of trpcDown) {
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.body.error.data.blobhub.code).toBe('unavailable');
    expect(res.headers.get('retry-after')).not.toBeNull();
  }

  // a refused creation is retried with its execution_id: it exists once afterwards, whatever the 503 interrupted
  for (const id of calls.refused) {
    const retried = await create(rev, id);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.execution.id).toBe(id);
  }

  const all = [...running, ...calls.acknowledged, ...calls.refused];
  for (const id of all) {
    const done = await waitForStatus(client, rev, id, undefined, 180_000);
    expect(done.status, `${id}: ${JSON.stringify(done.error)}`).toBe('completed');
    expect(logical(await eventsOf(client, rev, id))).toEqual(expectedEvents());
  }
  const stored = await platform.app.db.select({ id: executions.id }).from(executions);
  expect(stored.map((r) => r.id).sort()).toEqual([...all].sort());
}, 600_000);

it("leaves a component's own retries to its own errors: with maximum_attempts 2, a failed first call and the database down before the second, the second attempt succeeds", async () => {
  let hits = 0;
  let resumed: Promise<void> | undefined;
  const server = http.createServer((_req, res) => {
    hits++;
    if (hits > 1) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hits }));
    // the component's own failure, answered once the database is down: its retry runs during the outage
    void pg.halt().then(() => {
      res.writeHead(500).end('boom');
      resumed = new Promise((r) => setTimeout(r, 10_000)).then(() => pg.resume());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { revisionId: rev } = await newWorkflowBlob(client, 'user-retries');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/flaky`;
    await upload(
      client,
      rev,
      'flaky',
      definition(
        [comp('s', 'flow.start'), comp('h', 'http.request', { url }, { retry: { maximum_attempts: 2, initial_interval_ms: 100 } }), comp('e', 'flow.end')],
        [flow('s', 'h'), flow('h', 'e')],
      ),
    );
    const execution = (await create(rev, newId('execution'), 'flaky')).body.execution;
    const done = await waitForStatus(client, rev, execution.id, undefined, 180_000);
    await resumed;

    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    // the calls made while the database was down were retried without using the second attempt
    expect(hits).toBeGreaterThanOrEqual(2);
    const h = (await eventsOf(client, rev, execution.id)).filter((e) => e.attributes?.processor_id === 'h');
    expect(h.map((e) => e.type)).toEqual(['processor.entered', 'processor.exited']);
    expect(h[1]?.attributes.attempt).toBe(2);
  } finally {
    server.close();
  }
}, 300_000);
