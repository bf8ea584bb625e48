/**
 * A deploy while executions wait and sleep: the worker running today's bundle is shut down, a
 * worker running a changed interpreter (the change behind patched(), test/replay/next-interpreter)
 * takes over on the same task queue, and every execution in flight completes on it, while new
 * executions take the new path.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { workflowsPath } from '../../apps/worker/worker';
import { ENGINE, comp, definition, flow, start, upload, waitForEvent, waitForStatus } from '../support/workflow';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const changedInterpreter = path.join(path.dirname(fileURLToPath(import.meta.url)), 'next-interpreter', 'patched.ts');
const PATCH_ID = 'replay-fixture-first-timer';

let p: TestPlatform;
let connection: NativeConnection;
let rev: string;

async function runWorker(bundle: string) {
  const worker = await Worker.create({
    connection,
    namespace: p.app.temporal.namespace,
    taskQueue: p.taskQueue,
    workflowsPath: bundle,
    activities: createActivities(p.app),
  });
  const done = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await done;
    },
  };
}

/** Whether the execution's Temporal history carries the change's patch marker (it took the new path). */
async function tookNewPath(executionId: string) {
  const history = await p.app.temporal.client.workflow.getHandle(executionId).fetchHistory();
  const patchData = (history.events ?? []).flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    return Object.values(marker.details ?? {}).flatMap((d) => (d.payloads ?? []).map((payload) => Buffer.from(payload.data ?? []).toString()));
  });
  return patchData.some((text) => text.includes(PATCH_ID));
}

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  p = await startTestPlatform({ worker: false });
  connection = await NativeConnection.connect({ address: p.app.temporal.address });
  await p.admin.post('/orgs', { name: 'deploy' });
  rev = (await p.admin.post('/orgs/deploy/blobs', { name: 'flows', type: 'workflow', visibility: 'private' })).body.revision.id;
}, 180_000);

afterAll(async () => {
  await connection?.close();
  await p?.close();
});

it('finishes on the new interpreter every execution that waited or slept through the deploy', async () => {
  await upload(
    p.admin,
    rev,
    'waiter',
    definition([comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'go' }), comp('e', 'flow.end')], [flow('s', 'w'), flow('w', 'e')]),
  );
  await upload(
    p.admin,
    rev,
    'sleeper',
    definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 8 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]),
  );

  const before = await runWorker(workflowsPath);
  const waiters = [await start(p.admin, rev, 'waiter'), await start(p.admin, rev, 'waiter')];
  const sleepers = [await start(p.admin, rev, 'sleeper'), await start(p.admin, rev, 'sleeper')];
  for (const e of waiters) await waitForEvent(p.admin, rev, e.id, (ev) => ev.type === 'processor.entered' && ev.attributes.processor_id === 'w');
  for (const e of sleepers) await waitForEvent(p.admin, rev, e.id, (ev) => ev.type === 'processor.entered' && ev.attributes.processor_id === 'd');
  await before.stop();

  const after = await runWorker(changedInterpreter);
  try {
    for (const e of waiters) expect((await p.admin.data(rev, ENGINE, 'signal_execution', { execution_id: e.id, name: 'go', payload: 1 })).status).toBe(200);
    for (const e of [...waiters, ...sleepers]) {
      const ended = await waitForStatus(p.admin, rev, e.id, undefined, 60_000);
      expect(ended.status, JSON.stringify(ended.error)).toBe('completed');
      expect(await tookNewPath(e.id)).toBe(false);
    }
    const fresh = await start(p.admin, rev, 'sleeper');
    expect((await waitForStatus(p.admin, rev, fresh.id, undefined, 60_000)).status).toBe('completed');
    expect(await tookNewPath(fresh.id)).toBe(true);
  } finally {
    await after.stop();
  }
}, 180_000);
