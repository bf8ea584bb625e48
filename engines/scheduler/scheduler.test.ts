/**
 * The scheduler end to end on real Temporal Schedules: schedules fire real workflow executions
 * of the docs/spec.md §4 fibonacci definition; validation, lifecycle, access loss and reconciliation.
 */
import { errorCode } from '../../test/support/client';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { orgs, scheduleExecutions, schedules } from '../../db/schema';
import { expectError, newUser, type TestUser } from '../../test/support/people';
import type { TestPlatform } from '../../test/support/platform';
import { deleteSchedules, reconcileSchedules, sweepOrphanSchedules } from './store';
import { listTemporalSchedules } from './temporal/schedules';
import {
  createBlob,
  createFibonacciTarget,
  eventually,
  SCHEDULER,
  startSchedulerFixture,
  targetOf,
  WORKFLOW,
  type SchedulerFixture,
} from '../../test/support/scheduler';
import { theRow } from '../../core/errors';

let fixture: SchedulerFixture;
let p: TestPlatform;
let admin: TestUser;
let orgId: string;
let scheduler: SchedulerFixture['scheduler'];
let target: SchedulerFixture['target'];

beforeAll(async () => {
  fixture = await startSchedulerFixture();
  ({ p, admin, orgId, scheduler, target } = fixture);
});
afterAll(() => fixture?.close());

const cmd = (command: string, params: Record<string, unknown> = {}, client = admin.client, revisionId = scheduler.revisionId) =>
  client.data(revisionId, SCHEDULER, command, params);

const recurring = (extra: Record<string, unknown> = {}) => ({
  repeat: 'recurring_cron',
  cron_expression: '0 9 ? * MON-FRI *',
  timezone: 'Europe/London',
  invocation_target_type: 'workflow',
  invocation_target: targetOf(orgId, target),
  ...extra,
});

async function create(params: Record<string, unknown>, client = admin.client) {
  const res = await cmd('create_schedule', params, client);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.schedule;
}

const temporalSchedule = (id: string) => p.app.temporal.client.schedule.getHandle(id).describe();
const temporalScheduleExists = (id: string) =>
  temporalSchedule(id).then(
    () => true,
    () => false,
  );

/** Waits until the schedule has `count` execution records, newest first. */
const executionsOf = (scheduleId: string, count: number, timeoutMs = 60_000) =>
  eventually(async () => {
    const res = await cmd('list_executions', { schedule_id: scheduleId });
    return res.body.executions.length >= count ? res.body.executions : undefined;
  }, timeoutMs);

/** Waits until a workflow execution has ended and returns it. */
const endedExecution = (executionId: string) =>
  eventually(async () => {
    const res = await admin.client.data(target.revisionId, WORKFLOW, 'get_execution', { execution_id: executionId });
    return ['completed', 'failed', 'stopped'].includes(res.body.execution?.status) ? res.body.execution : undefined;
  });

/** Waits for the execution to end and checks it computed fibonacci(n) = `result`. */
async function expectFibonacci(executionId: string, result: number) {
  const execution = await endedExecution(executionId);
  expect(execution, JSON.stringify(execution.error)).toMatchObject({
    status: 'completed',
    output_data: [{ alias: 'result', value: { type: 'integer', integer: result } }],
  });
  return execution;
}

/** An ISO local time (no zone) `seconds` from now in `zone`. */
function localTimeIn(zone: string, seconds: number) {
  const parts = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium' }).format(new Date(Date.now() + seconds * 1000));
  return parts.replace(' ', 'T');
}

describe('creating schedules', () => {
  it('creates a real Temporal Schedule and shows its state and next five fire times', async () => {
    const schedule = await create(recurring({ overlap_policy: 'buffer_one', catchup_window_seconds: 120 }));
    expect(schedule).toMatchObject({
      id: expect.stringMatching(/^sch_/),
      state: 'active',
      enabled: true,
      repeat: 'recurring_cron',
      cron_expression: '0 9 ? * MON-FRI *',
      timezone: 'Europe/London',
      overlap_policy: 'buffer_one',
      catchup_window_seconds: 120,
      invocation_target_type: 'workflow',
      invocation_target: { org_id: orgId, blob_id: target.blobId, revision_id: target.revisionId, workflow_alias: 'fib' },
      temporal: { schedule_id: schedule.id },
    });
    expect(schedule.next_fire_times).toHaveLength(5);
    for (const t of schedule.next_fire_times) {
      const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(t));
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    }
    const described = await temporalSchedule(schedule.id);
    expect(described.spec.timezone).toBe('Europe/London');
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduleFireWorkflow', taskQueue: p.taskQueue });
    expect(described.policies.overlap).toBe('BUFFER_ONE');
    expect(described.info.nextActionTimes.slice(0, 5).map((d) => d.toISOString())).toEqual(schedule.next_fire_times);

    const fetched = await cmd('get_schedule', { schedule_id: schedule.id });
    expect(fetched.body.schedule).toMatchObject({ id: schedule.id, state: 'active' });
    const listed = await cmd('list_schedules');
    expect(listed.body.schedules.map((s: { id: string }) => s.id)).toContain(schedule.id);
  });

  it('refuses bad input with a 400 naming the field, creating nothing in the database or in Temporal', async () => {
    const before = (await p.app.db.select().from(schedules)).length;
    const temporalBefore = await countTemporalSchedules();
    const cases: [Record<string, unknown>, string][] = [
      [recurring({ cron_expression: '0 9 * * MON *' }), 'cron_expression'],
      [recurring({ cron_expression: '0 9 15W * ? *' }), 'cron_expression'],
      [recurring({ cron_expression: undefined }), 'cron_expression'],
      [recurring({ timezone: 'Europe/Atlantis' }), 'timezone'],
      [recurring({ start_date: '2030-01-02T00:00:00Z', end_date: '2030-01-01T00:00:00Z' }), 'end_date'],
      [recurring({ repeat: 'one_time', cron_expression: undefined, invocation_time: '2020-01-01T09:00:00' }), 'invocation_time'],
      [recurring({ repeat: 'one_time', cron_expression: undefined }), 'invocation_time'],
      [recurring({ invocation_target: { ...targetOf(orgId, target), workflow_alias: 'nope' } }), 'invocation_target'],
      [recurring({ invocation_target: { ...targetOf(orgId, scheduler) } }), 'invocation_target'],
    ];
    for (const [params, field] of cases) {
      const res = await cmd('create_schedule', params);
      expect(res.status, JSON.stringify(params)).toBe(400);
      expect(errorCode(res)).toBe('bad_request');
      expect(res.body.message).toContain(field);
    }
    expect((await p.app.db.select().from(schedules)).length).toBe(before);
    expect(await countTemporalSchedules()).toBe(temporalBefore);
  });

  it('refuses a target the caller cannot write: 403 with read access, 404 without any', async () => {
    const reader = await newUser(p, admin, 'reader');
    expect((await admin.client.post(`/orgs/${orgId}/members`, { user_id: reader.id, role: 'read' })).status).toBe(200);
    // the reader may write the scheduler blob, but only read the target workflow blob
    expect((await admin.client.post(`/blobs/${scheduler.blobId}/members`, { user_id: reader.id, role: 'write' })).status).toBe(200);
    expectError(await cmd('create_schedule', recurring(), reader.client), 403, 'forbidden');

    const otherOrg = await admin.client.post('/orgs', { name: 'other' });
    const hidden = await createFibonacciTarget(admin.client, 'other', 'hidden');
    const outsider = await newUser(p, admin, 'outsider');
    expect((await admin.client.post(`/blobs/${scheduler.blobId}/members`, { user_id: outsider.id, role: 'write' })).status).toBe(200);
    expectError(await cmd('create_schedule', recurring({ invocation_target: targetOf(otherOrg.body.org.id, hidden) }), outsider.client), 404, 'not_found');
  });
});

async function countTemporalSchedules() {
  let n = 0;
  for await (const s of p.app.temporal.client.schedule.list()) if (s.memo?.blobhub_blob_id === scheduler.blobId) n++;
  return n;
}

describe('firing', () => {
  it('fires on its own every minute, creating executions with outputs', async () => {
    const schedule = await create(recurring({ cron_expression: '* * * * ? *', timezone: 'UTC' }));
    expect(new Date(schedule.next_fire_times[1]).getTime() - new Date(schedule.next_fire_times[0]).getTime()).toBe(60_000);
    const [record] = await executionsOf(schedule.id, 1, 75_000);
    await cmd('pause_schedule', { schedule_id: schedule.id, note: 'test done' });
    expect(record).toMatchObject({
      id: expect.stringMatching(/^sex_/),
      schedule_id: schedule.id,
      invocation_target_type: 'workflow',
      invocation_target: { revision_id: target.revisionId, workflow_alias: 'fib' },
      status: 'success',
      scheduled_at: expect.stringMatching(/:00\.000Z$/),
    });
    await expectFibonacci(record.result.execution_id, 55);
  }, 100_000);

  it('trigger_schedule fires now, on a new session each time unless one is given', async () => {
    const session = await admin.client.data(target.revisionId, WORKFLOW, 'create_session', { name: 'scheduled' });
    const withSession = await create(recurring({ invocation_target: { ...targetOf(orgId, target, 'fib', 12), session_id: session.body.session.id } }));
    const plain = await create(recurring());
    for (const s of [withSession, plain]) expect((await cmd('trigger_schedule', { schedule_id: s.id })).status).toBe(200);

    const [fromSession] = await executionsOf(withSession.id, 1);
    const run = await expectFibonacci(fromSession.result.execution_id, 144);
    expect(run.session_id).toBe(session.body.session.id);
    const [fromPlain] = await executionsOf(plain.id, 1);
    const other = await expectFibonacci(fromPlain.result.execution_id, 55);
    expect(other.session_id).not.toBe(session.body.session.id);
  });

  it('a one-time schedule fires once at its local invocation time, then is completed and refuses updates', async () => {
    const zone = 'Asia/Kolkata';
    const schedule = await create(recurring({ repeat: 'one_time', cron_expression: undefined, invocation_time: localTimeIn(zone, 6), timezone: zone }));
    expect(schedule.state).toBe('active');
    expect(schedule.next_fire_times).toHaveLength(1);
    const [record] = await executionsOf(schedule.id, 1);
    expect(record.status).toBe('success');
    await expectFibonacci(record.result.execution_id, 55);
    const after = await eventually(async () => {
      const res = await cmd('get_schedule', { schedule_id: schedule.id });
      return res.body.schedule.state === 'completed' ? res.body.schedule : undefined;
    });
    expect(after.next_fire_times).toEqual([]);
    expectError(await cmd('update_schedule', { schedule_id: schedule.id, enabled: false }), 409, 'conflict');
  });

  it('pause_schedule and unpause_schedule pause the Temporal Schedule with the note', async () => {
    const schedule = await create(recurring());
    const paused = await cmd('pause_schedule', { schedule_id: schedule.id, note: 'maintenance window' });
    expect(paused.body.schedule).toMatchObject({ state: 'paused', enabled: false, pause_note: 'maintenance window', next_fire_times: [] });
    expect((await temporalSchedule(schedule.id)).state).toMatchObject({ paused: true, note: 'maintenance window' });
    const resumed = await cmd('unpause_schedule', { schedule_id: schedule.id });
    expect(resumed.body.schedule).toMatchObject({ state: 'active', enabled: true, pause_note: null });
    expect(resumed.body.schedule.next_fire_times).toHaveLength(5);
    expect((await temporalSchedule(schedule.id)).state.paused).toBe(false);
    const disabled = await create(recurring({ enabled: false, pause_note: 'not yet' }));
    expect(disabled).toMatchObject({ state: 'paused', enabled: false });
    expect((await temporalSchedule(disabled.id)).state.paused).toBe(true);
  });

  it('update_schedule changes only the given fields and Temporal follows', async () => {
    const schedule = await create(recurring());
    const updated = await cmd('update_schedule', { schedule_id: schedule.id, cron_expression: '30 6 ? * SAT *', timezone: 'America/New_York' });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.schedule).toMatchObject({ cron_expression: '30 6 ? * SAT *', timezone: 'America/New_York', overlap_policy: 'skip' });
    const described = await temporalSchedule(schedule.id);
    expect(described.spec.timezone).toBe('America/New_York');
    expect(updated.body.schedule.next_fire_times[0]).toBe(described.info.nextActionTimes[0]?.toISOString());
    expectError(await cmd('update_schedule', { schedule_id: schedule.id, repeat: 'one_time' }), 400, 'bad_request');
  });
});

describe('listing', () => {
  it('list_schedules pages through every live schedule exactly once, even with rows being deleted among them', async () => {
    const listed = await createBlob(admin.client, 'acme', 'paged-timers', 'scheduler');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push((await cmd('create_schedule', recurring({ cron_expression: `${i} 9 ? * MON-FRI *` }), admin.client, listed.revisionId)).body.schedule.id);
    // a delete that is between its steps: the rows say deleting (the reconciler finishes them)
    const deleting = ids.filter((_, i) => [1, 2, 5].includes(i));
    await p.app.db.update(schedules).set({ syncState: 'deleting' }).where(inArray(schedules.id, deleting));

    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const res = await cmd('list_schedules', { limit: 2, ...(cursor ? { cursor } : {}) }, admin.client, listed.revisionId);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.last_schedule_id).toBe(res.body.cursor);
      if (res.body.cursor) expect(res.body.schedules).toHaveLength(2);
      seen.push(...res.body.schedules.map((s: { id: string }) => s.id));
      cursor = res.body.cursor;
    } while (cursor);
    expect(seen).toEqual(ids.filter((id) => !deleting.includes(id)).reverse());
    await deleteSchedules(p.app, deleting);
  });

  it('list_schedules reads Temporal once for the page, not once per schedule', async () => {
    const listed = await createBlob(admin.client, 'acme', 'batched-timers', 'scheduler');
    const created: { id: string; next_fire_times: string[] }[] = [];
    for (const hour of [6, 7, 8])
      created.push((await cmd('create_schedule', recurring({ cron_expression: `0 ${hour} ? * MON-FRI *` }), admin.client, listed.revisionId)).body.schedule);
    // Temporal's listing is eventually consistent: wait until it shows all three
    await eventually(
      async () =>
        (
          await listTemporalSchedules(
            p.app,
            created.map((s) => s.id),
          )
        ).size === created.length,
    );

    const service = p.app.temporal.connection.workflowService;
    const describes = vi.spyOn(service, 'describeSchedule');
    const lists = vi.spyOn(service, 'listSchedules');
    try {
      const res = await cmd('list_schedules', {}, admin.client, listed.revisionId);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.schedules.map((s: { id: string; next_fire_times: string[] }) => [s.id, s.next_fire_times])).toEqual(
        created.reverse().map((s) => [s.id, s.next_fire_times]),
      );
      expect(describes).not.toHaveBeenCalled();
      expect(lists).toHaveBeenCalledTimes(1);
    } finally {
      describes.mockRestore();
      lists.mockRestore();
    }
  });
});

describe('access and failures', () => {
  it('records access_error when the owner lost access, and invocation_error when the target is gone', async () => {
    const writer = await newUser(p, admin, 'writer');
    expect((await admin.client.post(`/orgs/${orgId}/members`, { user_id: writer.id, role: 'write' })).status).toBe(200);
    const schedule = await create(recurring(), writer.client);
    expect(schedule.owner_id).toBe(writer.id);
    expect((await admin.client.delete(`/orgs/${orgId}/members/${writer.id}`)).status).toBe(200);
    await cmd('trigger_schedule', { schedule_id: schedule.id });
    const [denied] = await executionsOf(schedule.id, 1);
    expect(denied).toMatchObject({ status: 'access_error', result: { error: expect.stringContaining(writer.id) } });

    const doomed = await createFibonacciTarget(admin.client, 'acme', 'doomed');
    const orphan = await create(recurring({ invocation_target: targetOf(orgId, doomed) }));
    expect((await admin.client.data(doomed.revisionId, WORKFLOW, 'delete_definition', { alias: 'fib' })).status).toBe(200);
    await cmd('trigger_schedule', { schedule_id: orphan.id });
    const [failed] = await executionsOf(orphan.id, 1);
    expect(failed.status).toBe('invocation_error');
    expect(failed.result.error).toMatch(/definition/);
  });
});

describe('no orphans', () => {
  it('delete_schedule deletes the Temporal Schedule and the history', async () => {
    const schedule = await create(recurring());
    await cmd('trigger_schedule', { schedule_id: schedule.id });
    await executionsOf(schedule.id, 1);
    expect((await cmd('delete_schedule', { schedule_id: schedule.id })).status).toBe(200);
    expect(await temporalScheduleExists(schedule.id)).toBe(false);
    expectError(await cmd('get_schedule', { schedule_id: schedule.id }), 404, 'not_found');
    expect(await p.app.db.select().from(scheduleExecutions).where(eq(scheduleExecutions.scheduleId, schedule.id))).toEqual([]);
  });

  it('the reconciler repairs a crash between the database write and the Temporal call', async () => {
    // crash after create's row write: the row is pending and Temporal has nothing
    const created = await create(recurring());
    await p.app.temporal.client.schedule.getHandle(created.id).delete();
    await p.app.db.update(schedules).set({ syncState: 'pending' }).where(eq(schedules.id, created.id));
    // crash after an update's row write: Temporal still has the old cron
    const updated = await create(recurring());
    const row = await p.app.db.select().from(schedules).where(eq(schedules.id, updated.id)).then(theRow);
    await p.app.db
      .update(schedules)
      .set({ spec: { ...(row.spec as object), cron_expression: '15 7 ? * SUN *' }, syncState: 'pending' })
      .where(eq(schedules.id, updated.id));
    // crash after delete's row mark: the row says deleting and Temporal still has it
    const deleted = await create(recurring());
    await p.app.db.update(schedules).set({ syncState: 'deleting' }).where(eq(schedules.id, deleted.id));

    expect(await reconcileSchedules(p.app, { graceMs: 0 })).toEqual({ synced: 2, deleted: 1 });

    expect(await temporalScheduleExists(created.id)).toBe(true);
    expect((await cmd('get_schedule', { schedule_id: created.id })).body.schedule.next_fire_times).toHaveLength(5);
    const repaired = (await cmd('get_schedule', { schedule_id: updated.id })).body.schedule;
    expect(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(
        new Date(repaired.next_fire_times[0]),
      ),
    ).toBe('Sun 07:15');
    expect(await temporalScheduleExists(deleted.id)).toBe(false);
    expect(await p.app.db.select().from(schedules).where(eq(schedules.id, deleted.id))).toEqual([]);
    const states = await p.app.db.select({ s: schedules.syncState }).from(schedules);
    expect(new Set(states.map((r) => r.s))).toEqual(new Set(['synced']));
  });

  it("the sweeper deletes Temporal Schedules whose rows an org's deletion in the database cascaded away, and no one else's", async () => {
    const doomedOrgId = (await admin.client.post('/orgs', { name: 'doomed-org' })).body.org.id as string;
    const doomedTarget = await createFibonacciTarget(admin.client, 'doomed-org', 'flows');
    const doomedTimers = await createBlob(admin.client, 'doomed-org', 'timers', 'scheduler');
    const orphans: string[] = [];
    for (const hour of [1, 2]) {
      const res = await cmd(
        'create_schedule',
        recurring({ cron_expression: `0 ${hour} * * ? *`, invocation_target: targetOf(doomedOrgId, doomedTarget) }),
        admin.client,
        doomedTimers.revisionId,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      orphans.push(res.body.schedule.id as string);
    }
    const live = await create(recurring());
    // another deployment's schedules in the same namespace: one marked with its task queue, one made before the mark
    const foreign: [string, string] = [`sch_${'0'.repeat(26)}`, `sch_${'1'.repeat(26)}`];
    const foreignAction = { type: 'startWorkflow', workflowType: 'scheduleFireWorkflow', taskQueue: 'another-deployment', args: [] } as const;
    await p.app.temporal.client.schedule.create({
      scheduleId: foreign[0],
      spec: { cronExpressions: ['0 3 * * *'] },
      state: { paused: true },
      action: foreignAction,
      memo: { blobhub_org_id: 'org_x', blobhub_task_queue: 'another-deployment' },
    });
    await p.app.temporal.client.schedule.create({
      scheduleId: foreign[1],
      spec: { cronExpressions: ['0 3 * * *'] },
      state: { paused: true },
      action: foreignAction,
      memo: { blobhub_org_id: 'org_x' },
    });
    // one of ours made before the mark, whose row is gone too
    const unmarked = `sch_${'2'.repeat(26)}`;
    await p.app.temporal.client.schedule.create({
      scheduleId: unmarked,
      spec: { cronExpressions: ['0 3 * * *'] },
      state: { paused: true },
      action: { ...foreignAction, taskQueue: p.taskQueue },
      memo: { blobhub_org_id: doomedOrgId },
    });
    orphans.push(unmarked);
    try {
      // below the API: the rows go by cascade, beforeBlobDelete never runs
      await p.app.db.delete(orgs).where(eq(orgs.id, doomedOrgId));
      expect(await p.app.db.select().from(schedules).where(inArray(schedules.id, orphans))).toEqual([]);
      for (const id of orphans) expect(await temporalScheduleExists(id)).toBe(true);

      await sweepOrphanSchedules(p.app);
      for (const id of orphans) expect(await temporalScheduleExists(id)).toBe(false);
      for (const id of [live.id, ...foreign]) expect(await temporalScheduleExists(id)).toBe(true);
    } finally {
      for (const id of foreign) await p.app.temporal.client.schedule.getHandle(id).delete();
    }
  });

  it('deleting the scheduler blob deletes its Temporal Schedules', async () => {
    const doomed = await createBlob(admin.client, 'acme', 'doomed-timers', 'scheduler');
    const a = await cmd('create_schedule', recurring(), admin.client, doomed.revisionId);
    const b = await cmd('create_schedule', recurring({ cron_expression: '0 1 * * ? *' }), admin.client, doomed.revisionId);
    expect((await admin.client.delete(`/blobs/${doomed.blobId}`)).status).toBe(200);
    for (const s of [a.body.schedule, b.body.schedule]) expect(await temporalScheduleExists(s.id)).toBe(false);
  });
});
