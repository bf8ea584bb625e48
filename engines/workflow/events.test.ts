/**
 * Wait-for-event across executions, through REST on the real platform: flow.wait_for_event wakes
 * on an event with its key emitted by flow.emit_event in another execution of the org or by the
 * emit_event command, never on another org's; it takes its timeout route when none comes, and a
 * wait survives its worker being killed while the event is emitted.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventWaiters } from '../../db/schema';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { workerPool } from '../../test/support/processes';
import { comp, data, definition, ENGINE, eventsOf, flow, newWorkflowBlob, start, text, upload, waitForStatus } from '../../test/support/workflow';

let p: TestPlatform;
let workers: ReturnType<typeof workerPool>;
let acme: { orgId: string; waiters: string; emitters: string };
let other: { orgId: string; waiters: string };

/** start → wait (key from the `key` input) → end with the payload and event id; timeout → end with nothing */
const waiterDefinition = (timeoutSeconds: number) =>
  definition(
    [comp('s', 'flow.start'), comp('w', 'flow.wait_for_event', { timeout_seconds: timeoutSeconds }), comp('e', 'flow.end'), comp('late', 'flow.end')],
    [flow('s', 'w'), flow('w', 'e'), flow('w', 'late', 'timeout'), data('s', 'key', 'w'), data('w', 'payload', 'e'), data('w', 'event_id', 'e')],
  );

/** start → emit (key and payload from the inputs) → end with the event id and how many waits it reached */
const emitterDefinition = definition(
  [comp('s', 'flow.start'), comp('m', 'flow.emit_event'), comp('e', 'flow.end')],
  [flow('s', 'm'), flow('m', 'e'), data('s', 'key', 'm'), data('s', 'payload', 'm'), data('m', 'event_id', 'e'), data('m', 'waiters', 'e')],
);

const outputsOf = (execution: { output_data: { alias: string; value: any }[] }) => Object.fromEntries(execution.output_data.map((o) => [o.alias, o.value]));

async function newOrgBlob(org: string, blob: string) {
  const { revisionId } = await newWorkflowBlob(p.admin, org, blob);
  return revisionId;
}

/** Starts a waiter on `key` and returns once its wait is registered (an event emitted before that does not reach it). */
async function startWaiter(rev: string, orgId: string, key: string, alias = 'waiter') {
  const execution = await start(p.admin, rev, alias, [{ alias: 'key', value: text(key) }]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await p.app.db
      .select()
      .from(eventWaiters)
      .where(and(eq(eventWaiters.executionId, execution.id), eq(eventWaiters.orgId, orgId), eq(eventWaiters.key, key)));
    if (rows.length) return execution.id as string;
    if (Date.now() > deadline) throw new Error(`execution ${execution.id} never started waiting on ${key}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const emit = (rev: string, body: Record<string, unknown>) => p.admin.data(rev, ENGINE, 'emit_event', body);

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  workers = workerPool(p.env);
  await workers.start();
  // the emitters live in another blob of the org: events cross blobs, not orgs
  acme = { waiters: await newOrgBlob('acme', 'waiters'), emitters: await newOrgBlob('acme', 'emitters'), orgId: (await p.admin.get('/orgs/acme')).body.org.id };
  other = { waiters: await newOrgBlob('other', 'waiters'), orgId: (await p.admin.get('/orgs/other')).body.org.id };
  await upload(p.admin, acme.waiters, 'waiter', waiterDefinition(600));
  await upload(p.admin, other.waiters, 'waiter', waiterDefinition(3));
  await upload(p.admin, acme.emitters, 'emitter', emitterDefinition);
}, 180_000);

afterAll(async () => {
  await workers?.killAll();
  await p?.close();
});

describe('flow.wait_for_event', () => {
  it('wakes when another execution of the org emits the key with flow.emit_event, with its payload', async () => {
    const waiting = await startWaiter(acme.waiters, acme.orgId, 'order:42');
    const emitter = await start(p.admin, acme.emitters, 'emitter', [
      { alias: 'key', value: text('order:42') },
      { alias: 'payload', value: { type: 'json', json: { shipped: true } } },
    ]);
    const emitted = await waitForStatus(p.admin, acme.emitters, emitter.id);
    expect(emitted.status, JSON.stringify(emitted.error)).toBe('completed');
    expect(outputsOf(emitted).waiters).toEqual({ type: 'integer', integer: 1 });

    const woken = await waitForStatus(p.admin, acme.waiters, waiting);
    expect(woken.status, JSON.stringify(woken.error)).toBe('completed');
    expect(outputsOf(woken)).toEqual({ payload: { type: 'json', json: { shipped: true } }, event_id: outputsOf(emitted).event_id });
  });

  it('emit_event wakes every wait on the key in the org and none in another org, which times out', async () => {
    const first = await startWaiter(acme.waiters, acme.orgId, 'deploy:done');
    const second = await startWaiter(acme.waiters, acme.orgId, 'deploy:done');
    const elsewhere = await startWaiter(other.waiters, other.orgId, 'deploy:done');
    const unrelated = await startWaiter(acme.waiters, acme.orgId, 'deploy:started');

    const res = await emit(acme.emitters, { key: 'deploy:done', payload: { version: '1.2.3' }, idempotency_key: 'deploy-1.2.3' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ waiters: 2, event_id: expect.stringMatching(/^evt_/) });
    for (const id of [first, second]) {
      const woken = await waitForStatus(p.admin, acme.waiters, id);
      expect(outputsOf(woken)).toEqual({ payload: { type: 'json', json: { version: '1.2.3' } }, event_id: text(res.body.event_id) });
    }

    // the other org's wait on the same key takes its timeout route
    const timedOut = await waitForStatus(p.admin, other.waiters, elsewhere);
    expect(timedOut).toMatchObject({ status: 'completed', output_data: [] });
    const exited = (await eventsOf(p.admin, other.waiters, elsewhere)).find((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'w');
    expect(exited?.attributes.route).toBe('timeout');

    // the same idempotency key is the same event: delivered once, to nobody new
    const again = await emit(acme.emitters, { key: 'deploy:done', payload: { version: '1.2.3' }, idempotency_key: 'deploy-1.2.3' });
    expect(again.body).toMatchObject({ event_id: res.body.event_id, waiters: 0 });

    const stillWaiting = await p.admin.data(acme.waiters, ENGINE, 'get_execution', { execution_id: unrelated });
    expect(stillWaiting.body.execution.status).toBe('running');
    await p.admin.data(acme.waiters, ENGINE, 'cancel_execution', { execution_id: unrelated });
  });

  it('keeps waiting while its worker is killed, and wakes on the event emitted meanwhile', async () => {
    const waiting = await startWaiter(acme.waiters, acme.orgId, 'restart:1');
    await Promise.all(workers.alive().map((w) => w.kill()));
    const res = await emit(acme.emitters, { key: 'restart:1', payload: 'while no worker ran' });
    expect(res.body.waiters).toBe(1);
    await workers.start();
    const woken = await waitForStatus(p.admin, acme.waiters, waiting, undefined, 60_000);
    expect(woken.status, JSON.stringify(woken.error)).toBe('completed');
    expect(outputsOf(woken).payload).toEqual({ type: 'json', json: 'while no worker ran' });
  });

  it('lists the event, e-mail and chat types in the catalog with their ports and config schemas', async () => {
    const res = await p.admin.post(`/revisions/${acme.waiters}/data/query`, { engine: ENGINE, command: 'list_component_types' });
    const byType = new Map(res.body.component_types.map((t: { type: string }) => [t.type, t]));
    expect(byType.get('flow.wait_for_event')).toMatchObject({ runs_in: 'workflow', routes: ['success', 'timeout'], data_inputs: ['key'] });
    expect(byType.get('flow.emit_event')).toMatchObject({ routes: ['success'], data_inputs: ['key', 'payload'], data_outputs: ['event_id', 'waiters'] });
    expect(byType.get('email.send')).toMatchObject({ category: 'email', runs_in: 'activity', config_schema: { required: ['credential'] } });
    expect(byType.get('ai.chat')).toMatchObject({ category: 'ai', data_outputs: ['content', 'message', 'usage', 'finish_reason'] });
  });

  it('refuses an emit without a key, or with a payload above 256 KiB', async () => {
    expect((await emit(acme.emitters, { payload: 1 })).status).toBe(400);
    expect((await emit(acme.emitters, { key: 'big', payload: 'x'.repeat(300 * 1024) })).status).toBe(413);
  });
});
