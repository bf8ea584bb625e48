/**
 * Backfill and the Temporal overlap policies, observed on real executions: a fire stays open
 * while its execution runs, so the policy decides what happens to executions that would overlap.
 * Slots are backfilled in one request (or fired with trigger_schedule while an execution runs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestUser } from '../../test/support/people';
import { delayedEchoDefinition, eventually, SCHEDULER, startSchedulerFixture, targetOf, WORKFLOW, type SchedulerFixture } from '../../test/support/scheduler';

let fixture: SchedulerFixture;
let admin: TestUser;
let orgId: string;
let scheduler: SchedulerFixture['scheduler'];
let target: SchedulerFixture['target'];

beforeAll(async () => {
  fixture = await startSchedulerFixture(5);
  ({ admin, orgId, scheduler, target } = fixture);
  // long enough that a second fire surely arrives while the first execution still runs
  const long = await admin.client.data(target.revisionId, WORKFLOW, 'upload_definition', { alias: 'long', definition: delayedEchoDefinition(20) });
  expect(long.status).toBe(200);
});
afterAll(() => fixture?.close());

const cmd = (command: string, params: Record<string, unknown> = {}) => admin.client.data(scheduler.revisionId, SCHEDULER, command, params);

/** A yearly schedule (noon UTC on 1 January) that never fires by itself during the test. */
async function yearly(overlap: string, alias = 'slow') {
  const res = await cmd('create_schedule', {
    repeat: 'recurring_cron',
    cron_expression: '0 12 1 JAN ? *',
    timezone: 'UTC',
    overlap_policy: overlap,
    invocation_target_type: 'workflow',
    invocation_target: targetOf(orgId, target, alias),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.schedule.id as string;
}

/** Backfills the slots of the years [from, to]. */
async function backfillYears(scheduleId: string, from: number, to: number) {
  const res = await cmd('backfill_schedule', { schedule_id: scheduleId, start: `${from}-01-01T00:00:00Z`, end: `${to}-12-31T00:00:00Z` });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function allRecords(scheduleId: string) {
  const records = [];
  let start: string | undefined;
  do {
    const res = await cmd('list_executions', { schedule_id: scheduleId, start_execution_id: start });
    expect(res.body.executions.length).toBeLessThanOrEqual(10);
    records.push(...res.body.executions);
    start = res.body.last_execution_id ?? undefined;
  } while (start);
  return records;
}

const executionStatus = async (id: string) =>
  (await admin.client.data(target.revisionId, WORKFLOW, 'get_execution', { execution_id: id })).body.execution.status as string;

/** Waits until `count` records exist and all their executions have ended; returns them by slot. */
async function settled(scheduleId: string, count: number) {
  return eventually(async () => {
    const records = await allRecords(scheduleId);
    if (records.length < count) return undefined;
    const statuses = await Promise.all(records.map((r: any) => executionStatus(r.result.execution_id)));
    if (statuses.some((s) => s === 'pending' || s === 'running')) return undefined;
    return records
      .map((r: any, i: number) => ({ ...r, execution_status: statuses[i] }))
      .sort((a: any, b: any) => a.scheduled_at.localeCompare(b.scheduled_at) || a.id.localeCompare(b.id));
  }, 100_000);
}

/** Gives Temporal time to have started anything it was going to start (counts must not grow). */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 4_000));

describe('backfill_schedule', () => {
  it('runs every slot in the window once, newest first in pages of ten', async () => {
    const id = await yearly('allow_all');
    await backfillYears(id, 2010, 2021);
    const records = await settled(id, 12);
    expect(records).toHaveLength(12);
    expect(records.map((r: any) => r.scheduled_at)).toEqual(Array.from({ length: 12 }, (_, i) => `${2010 + i}-01-01T12:00:00.000Z`));
    expect(records.every((r: any) => r.status === 'success' && r.execution_status === 'completed')).toBe(true);
    const first = await cmd('list_executions', { schedule_id: id, include_schedule: true });
    expect(first.body.executions).toHaveLength(10);
    expect(first.body.last_execution_id).toBe(first.body.executions[9].id);
    expect(first.body.schedule).toMatchObject({ id, state: 'active' });
    const second = await cmd('list_executions', { schedule_id: id, start_execution_id: first.body.last_execution_id });
    expect(second.body.executions).toHaveLength(2);
    expect(second.body.last_execution_id).toBeNull();
    expect(second.body.schedule).toBeUndefined();
  });

  it('refuses a window that ends before it starts', async () => {
    const id = await yearly('skip');
    const res = await cmd('backfill_schedule', { schedule_id: id, start: '2020-01-01T00:00:00Z', end: '2019-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('end');
  });
});

describe('overlap policies with a slow target (three overlapping slots)', () => {
  it('skip: only the first runs', async () => {
    const id = await yearly('skip');
    await backfillYears(id, 2021, 2023);
    await settled(id, 1);
    await quiet();
    const records = await settled(id, 1);
    expect(records.map((r: any) => [r.scheduled_at.slice(0, 4), r.execution_status])).toEqual([['2021', 'completed']]);
  });

  it('buffer_one: the first runs, one more waits for it, the third is dropped', async () => {
    const id = await yearly('buffer_one');
    await backfillYears(id, 2021, 2023);
    const records = await settled(id, 2);
    await quiet();
    expect((await settled(id, 2)).length).toBe(2);
    expect(records.map((r: any) => r.execution_status)).toEqual(['completed', 'completed']);
  });

  it('buffer_all: all three run, one after another', async () => {
    const id = await yearly('buffer_all');
    await backfillYears(id, 2021, 2023);
    const records = await settled(id, 3);
    expect(records.map((r: any) => [r.scheduled_at.slice(0, 4), r.execution_status])).toEqual([
      ['2021', 'completed'],
      ['2022', 'completed'],
      ['2023', 'completed'],
    ]);
  });

  it('allow_all: all three run', async () => {
    const id = await yearly('allow_all');
    await backfillYears(id, 2021, 2023);
    const records = await settled(id, 3);
    expect(records.map((r: any) => r.execution_status)).toEqual(['completed', 'completed', 'completed']);
  });

  it.each(['cancel_other', 'terminate_other'])('%s: a new fire stops the running execution, then runs', { timeout: 120_000 }, async (policy) => {
    const id = await yearly(policy, 'long');
    expect((await cmd('trigger_schedule', { schedule_id: id })).status).toBe(200);
    const [first] = await eventually(async () => {
      const records = await allRecords(id);
      return records.length === 1 && (await executionStatus(records[0].result.execution_id)) === 'running' ? records : undefined;
    });
    expect((await cmd('trigger_schedule', { schedule_id: id })).status).toBe(200);
    const records = await settled(id, 2);
    expect(records.map((r: any) => [r.id === first.id, r.execution_status])).toEqual([
      [true, 'stopped'],
      [false, 'completed'],
    ]);
  });
});
