/**
 * How a fire runs, seen as an operator sees it: scheduled runs survive a deploy (SIGTERM of a
 * standalone worker process), a waiting run holds no worker slot, and fires are found in the
 * Temporal UI by their blob.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestUser } from '../../test/support/people';
import { keywordAttribute } from '../../core/search-attributes';
import { startWorkerProcess, type BlobHubProcess } from '../../test/support/processes';
import { comp, data, definition, flow } from '../../test/support/workflow-builders';
import { delayedEchoDefinition, eventually, SCHEDULER, startSchedulerFixture, targetOf, WORKFLOW, type SchedulerFixture } from '../../test/support/scheduler';

let fixture: SchedulerFixture;
let admin: TestUser;
const workers: BlobHubProcess[] = [];
let server: http.Server;

/** the activity slots of the worker that replaces the first one: fewer than the scheduled runs left waiting below */
const ACTIVITY_SLOTS = 2;

beforeAll(async () => {
  fixture = await startSchedulerFixture(8, { worker: false });
  admin = fixture.admin;
  server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
  for (const [alias, def] of [
    ['long', delayedEchoDefinition(45)],
    [
      'call',
      definition(
        [comp('s', 'flow.start'), comp('call', 'http.request', { url }), comp('e', 'flow.end')],
        [flow('s', 'call'), flow('call', 'e'), data('call', 'body', 'e')],
      ),
    ],
  ] as const) {
    const uploaded = await admin.client.data(fixture.target.revisionId, WORKFLOW, 'upload_definition', { alias, definition: def });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
  }
  workers.push(await startWorkerProcess(fixture.p.env));
}, 240_000);

afterAll(async () => {
  for (const worker of workers) await worker.kill();
  server?.close();
  await fixture?.close();
});

const cmd = (command: string, params: Record<string, unknown> = {}) => admin.client.data(fixture.scheduler.revisionId, SCHEDULER, command, params);
const getExecution = async (id: string) =>
  (await admin.client.data(fixture.target.revisionId, WORKFLOW, 'get_execution', { execution_id: id })).body.execution as { id: string; status: string };

/** A yearly schedule (never due during the test) on the target definition `alias`, every overlap allowed. */
async function schedule(alias: string) {
  const res = await cmd('create_schedule', {
    repeat: 'recurring_cron',
    cron_expression: '0 12 1 JAN ? *',
    timezone: 'UTC',
    overlap_policy: 'allow_all',
    invocation_target_type: 'workflow',
    invocation_target: targetOf(fixture.orgId, fixture.target, alias),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.schedule.id as string;
}

/** Fires `count` runs at once (one backfilled slot a year) and waits until each execution runs. */
async function fireRunning(scheduleId: string, count: number) {
  const backfill = await cmd('backfill_schedule', { schedule_id: scheduleId, start: '2001-01-01T00:00:00Z', end: `${2000 + count}-12-31T00:00:00Z` });
  expect(backfill.status, JSON.stringify(backfill.body)).toBe(200);
  return eventually(async () => {
    const records = (await cmd('list_executions', { schedule_id: scheduleId })).body.executions as any[];
    if (records.length < count) return undefined;
    const executions = await Promise.all(records.map((r) => getExecution(r.result.execution_id)));
    return executions.every((e) => e.status === 'running') && executions;
  }, 120_000);
}

it('scheduled runs complete when their worker is stopped by a deploy (SIGTERM) and another takes over', { timeout: 300_000 }, async () => {
  const id = await schedule('slow');
  const running = await fireRunning(id, 3);

  await workers[0]!.terminate(); // started in beforeAll
  workers.push(await startWorkerProcess({ ...fixture.p.env, BLOBHUB_WORKER_MAX_ACTIVITIES: String(ACTIVITY_SLOTS) }));

  const ended = await eventually(async () => {
    const executions = await Promise.all(running.map((e) => getExecution(e.id)));
    return executions.every((e) => !['pending', 'running'].includes(e.status)) && executions;
  }, 120_000);
  expect(ended.map((e) => e.status)).toEqual(['completed', 'completed', 'completed']);
});

it(
  'a waiting scheduled run holds no activity, so more of them than the worker has slots leave an unscheduled run free to finish',
  { timeout: 300_000 },
  async () => {
    const id = await schedule('long');
    const waiting = await fireRunning(id, ACTIVITY_SLOTS + 2);

    // each fire waits on its execution as a child workflow, not in an activity
    for (const execution of waiting) {
      const described = await fixture.p.app.temporal.client.workflow.getHandle(execution.id).describe();
      const parent = described.parentExecution!;
      const fire = await fixture.p.app.temporal.client.workflow.getHandle(parent.workflowId!, parent.runId!).describe();
      expect(fire.type).toBe('scheduleFireWorkflow');
      expect(fire.raw.pendingActivities).toEqual([]);
      expect(fire.raw.pendingChildren?.map((c) => c.workflowId)).toEqual([execution.id]);
    }

    const call = await admin.client.data(fixture.target.revisionId, WORKFLOW, 'create_execution', { alias: 'call' });
    expect(call.status, JSON.stringify(call.body)).toBe(200);
    const finished = await eventually(async () => {
      const execution = await getExecution(call.body.execution.id);
      return ['completed', 'failed', 'stopped'].includes(execution.status) && execution;
    }, 60_000);
    expect(finished.status).toBe('completed');
    // …while every scheduled run still waited
    const still = await Promise.all(waiting.map((e) => getExecution(e.id)));
    expect(still.map((e) => e.status)).toEqual(waiting.map(() => 'running'));
  },
);

it("a schedule's fires are found in Temporal by the scheduler blob and say which schedule they run", { timeout: 120_000 }, async () => {
  const id = await schedule('fib');
  expect((await cmd('trigger_schedule', { schedule_id: id })).status).toBe(200);
  const { client } = fixture.p.app.temporal;
  const query = `BlobHubBlobId="${fixture.scheduler.blobId}" AND WorkflowType="scheduleFireWorkflow" AND TemporalScheduledById="${id}"`;
  const fire = await eventually(async () => {
    const found = [];
    for await (const w of client.workflow.list({ query })) found.push(w);
    return found[0];
  });
  expect(fire.workflowId.startsWith(id)).toBe(true);
  const described = await client.workflow.getHandle(fire.workflowId, fire.runId).describe();
  expect(described.typedSearchAttributes.get(keywordAttribute('BlobHubOrgId'))).toBe(fixture.orgId);
  expect(described.typedSearchAttributes.get(keywordAttribute('BlobHubRevisionId'))).toBe(fixture.scheduler.revisionId);
  expect(await described.staticSummary()).toBe(`BlobHub schedule ${id}: runs fib of blob ${fixture.target.blobId}`);
  expect(await described.staticDetails()).toContain(`\`${fixture.scheduler.blobId}\``);
});
