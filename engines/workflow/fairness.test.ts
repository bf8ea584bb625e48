/**
 * Issue 16, attack 2: a few spinning logic.code runs of one org must not starve everyone else's.
 * Behaviour only (no wall-clock thresholds; `npm run bench:sandbox` measures the times).
 * The worker has 3 sandbox threads, 2 per org, 1 kept for short runs, timeouts bounded at 40 s.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerHealthServer } from '../../apps/worker/health-server';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import {
  comp,
  ENGINE,
  definition,
  eventsOf,
  fibonacciDefinition,
  flow,
  integer,
  newWorkflowBlob,
  run,
  start,
  upload,
  waitForStatus,
} from '../../test/support/workflow';

const BOUND_MS = 40_000;
let p: TestPlatform;
/** what a standalone worker serves on BLOBHUB_WORKER_HTTP_PORT */
let workerHealth: Server;
let workerHealthUrl: string;
type Org = 'spinners' | 'quiet' | 'busy';
/** each org's workflow revision, set in beforeAll */
const revs: Record<Org, string> = { spinners: '', quiet: '', busy: '' };

const spinner = (timeoutMs: number) =>
  definition(
    [comp('s', 'flow.start'), comp('spin', 'logic.code', { code: 'while (true) {}' }, { timeout_ms: timeoutMs }), comp('e', 'flow.end')],
    [flow('s', 'spin'), flow('spin', 'e')],
  );

async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statusOf = async (org: Org, id: string) => (await p.admin.data(revs[org], ENGINE, 'get_execution', { execution_id: id })).body.execution.status as string;
const queuedEvents = async (org: Org, id: string) => (await eventsOf(p.admin, revs[org], id)).filter((e) => e.type === 'processor.queued');

beforeAll(async () => {
  p = await startTestPlatform({
    env: {
      BLOBHUB_SANDBOX_THREADS: '3',
      BLOBHUB_SANDBOX_ORG_CONCURRENCY: '2',
      BLOBHUB_SANDBOX_RESERVED_SHORT_THREADS: '1',
      BLOBHUB_SANDBOX_LONG_RUN_MS: '5000',
      BLOBHUB_SANDBOX_MAX_TIMEOUT_MS: String(BOUND_MS),
    },
  });
  workerHealth = await startWorkerHealthServer(0, '127.0.0.1');
  workerHealthUrl = `http://127.0.0.1:${(workerHealth.address() as AddressInfo).port}`;
  for (const org of ['spinners', 'quiet', 'busy'] as const) {
    revs[org] = (await newWorkflowBlob(p.admin, org)).revisionId;
    await upload(p.admin, revs[org], 'spin-long', spinner(45_000));
    await upload(p.admin, revs[org], 'spin-short', spinner(4_000));
    await upload(p.admin, revs[org], 'fibonacci', fibonacciDefinition());
  }
});
afterAll(async () => {
  workerHealth?.close();
  await p?.close();
});

describe('sandbox fairness', () => {
  it("lets another org's trivial execution finish while one org's four spinners run, queues the spinners past the org's share, and bounds their timeout", async () => {
    const spinners: string[] = [];
    for (let i = 0; i < 4; i++) spinners.push((await start(p.admin, revs.spinners, 'spin-long')).id as string);

    // two hold the org's share of threads; the other two wait, visibly
    const queued = await eventually('two spinners queued', async () => {
      const states = await Promise.all(spinners.map((id) => statusOf('spinners', id)));
      return states.filter((s) => s === 'queued').length === 2 && states;
    });
    expect(queued.filter((s) => s === 'running')).toHaveLength(2);
    const waiting = spinners.filter((_, i) => queued[i] === 'queued');
    expect((await queuedEvents('spinners', waiting[0]!))[0]).toMatchObject({
      message: expect.stringContaining("org's share"),
      attributes: { processor_id: 'spin' },
    });

    const trivial = await run(p.admin, revs.quiet, 'fibonacci', [{ alias: 'n', value: integer(10) }]);
    expect(trivial).toMatchObject({ status: 'completed', output_data: [{ alias: 'result', value: integer(55) }] });
    expect(await queuedEvents('quiet', trivial.id)).toEqual([]);
    // the spinners are all still there: the trivial run did not wait for them
    expect((await Promise.all(spinners.map((id) => statusOf('spinners', id)))).every((s) => s === 'running' || s === 'queued')).toBe(true);

    const metrics = await p.anonymous.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/blobhub_sandbox_queued\{reason="org_limit"\} 2/);
    expect(metrics.body).toMatch(/blobhub_sandbox_running_long 2/);
    // queued behind its own org's share only: the worker still has room for others
    const ready = await p.anonymous.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.sandbox).toMatchObject({ status: 'ok', threads: 3, running: 2, queued: 2 });

    // timeout_ms 45 s, but the operator's bound stops them: the first two by the bound, the two
    // that waited for their whole time limit right after
    for (const id of spinners) {
      const ended = await waitForStatus(p.admin, revs.spinners, id, undefined, 60_000);
      expect(ended).toMatchObject({ status: 'failed', error: { kind: 'timeout', message: expect.stringContaining('BLOBHUB_SANDBOX_MAX_TIMEOUT_MS') } });
    }
  }, 120_000);

  it('keeps a thread for short runs when long runs of several orgs spin, and reports saturation when every thread is taken', async () => {
    const long: [Org, string][] = [];
    for (const org of ['spinners', 'busy', 'quiet'] as const) long.push([org, (await start(p.admin, revs[org], 'spin-long')).id]);
    // two long runs fill the long-run share; the third one waits although a thread is free
    const queued = await eventually('one long run queued', async () => {
      const events = (await Promise.all(long.map(([org, id]) => queuedEvents(org, id)))).flat();
      return events.length > 0 && events;
    });
    expect(queued).toHaveLength(1);
    expect(queued[0]?.message).toContain('long runs');

    const trivial = await run(p.admin, revs.quiet, 'fibonacci', [{ alias: 'n', value: integer(10) }]);
    expect(trivial.status).toBe('completed');

    // a short spinner takes the last thread: now a new run of any org waits, and /readyz says so
    const short = (await start(p.admin, revs.busy, 'spin-short')).id;
    await eventually('the short spinner running', async () => (await eventsOf(p.admin, revs.busy, short)).some((e) => e.type === 'processor.entered'));
    const blocked = (await start(p.admin, revs.quiet, 'fibonacci', [{ alias: 'n', value: integer(3) }])).id;
    const saturated = await eventually('saturated', async () => {
      const res = await p.anonymous.get('/readyz');
      return res.status === 503 && res;
    });
    expect(saturated.body.details.sandbox).toMatchObject({ status: 'saturated', running: 3 });
    expect((await p.anonymous.get('/metrics')).body).toMatch(/blobhub_sandbox_saturated 1/);
    const worker = await fetch(`${workerHealthUrl}/readyz`);
    expect({ status: worker.status, body: await worker.json() }).toMatchObject({
      status: 503,
      body: { status: 'saturated', sandbox: { status: 'saturated' } },
    });
    // saturated is not dead: the liveness probe (the Helm chart's) leaves a busy worker running
    expect((await fetch(`${workerHealthUrl}/healthz`)).status).toBe(200);
    // it runs as soon as the short spinner's thread frees
    expect((await waitForStatus(p.admin, revs.quiet, blocked, undefined, 20_000)).status).toBe('completed');

    // cancelling stops the spinning threads (a running local activity hears it at the next workflow-task heartbeat)
    const cancelled = await Promise.all(long.map(([org, id]) => p.admin.data(revs[org], ENGINE, 'cancel_execution', { execution_id: id })));
    expect(cancelled.map((r) => r.status)).toEqual([200, 200, 200]);
    const ended = await Promise.all(long.map(([org, id]) => waitForStatus(p.admin, revs[org], id, undefined, 30_000)));
    expect(ended.map((e) => e.status)).toEqual(['stopped', 'stopped', 'stopped']);
    expect((await p.anonymous.get('/readyz')).body.sandbox).toMatchObject({ status: 'ok', running_long: 0 });
  }, 120_000);

  it('fails a run whose timeout_ms passes while it waits for a slot as a timeout, after its attempts (not retried forever as an outage)', async () => {
    const spinners = [(await start(p.admin, revs.busy, 'spin-long')).id, (await start(p.admin, revs.busy, 'spin-long')).id];
    await upload(p.admin, revs.busy, 'spin-brief', spinner(1_500));
    // on a loaded machine the third run could otherwise reach the gate before the spinners hold their slots
    await eventually("the two spinners hold the org's slots", async () => (await p.anonymous.get('/readyz')).body.sandbox?.running_long === 2);
    // the org's two slots are taken: this run waits past its own timeout on every attempt
    const waiting = (await start(p.admin, revs.busy, 'spin-brief')).id;
    const ended = await waitForStatus(p.admin, revs.busy, waiting, undefined, 60_000);
    expect(ended).toMatchObject({ status: 'failed', error: { component_id: 'spin', kind: 'timeout' } });
    // it ended while still waiting: the slots it waited for are still taken
    expect(await Promise.all(spinners.map((id) => statusOf('busy', id)))).toEqual(['running', 'running']);
    expect((await queuedEvents('busy', waiting)).length).toBeGreaterThan(0);

    for (const id of spinners) await p.admin.data(revs.busy, ENGINE, 'cancel_execution', { execution_id: id });
    const stopped = await Promise.all(spinners.map((id) => waitForStatus(p.admin, revs.busy, id, undefined, 30_000)));
    expect(stopped.map((e) => e.status)).toEqual(['stopped', 'stopped']);
  }, 120_000);
});
