/** list_executions' filters (docs/spec.md §4 "Executions") through REST on the real platform. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedules } from '../../db/schema';
import { deleteSchedules } from '../scheduler/store';
import { expectError, signInAdmin, type TestUser } from '../../test/support/people';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { eventually } from '../../test/support/scheduler';
import { comp, definition, ENGINE, fibonacciDefinition, flow, integer, newWorkflowBlob, run, upload, waitForStatus } from '../../test/support/workflow';

const SCHEDULER = 'scheduler_blobhub';

let p: TestPlatform;
let admin: TestUser;
let rev: string;
let key: { id: string; secret: string };
/** ids of the executions, by how they were started */
const ids = { fibByUser: '', fibByKey: '', failed: '', recovered: '', scheduled: '' };
let boundary: string;

const explode = comp('explode', 'logic.code', { language: 'javascript', code: "throw new Error('boom')" }, { name: 'Explode' });
const failing = definition([comp('s', 'flow.start'), explode, comp('e', 'flow.end')], [flow('s', 'explode'), flow('explode', 'e')]);
const recovering = definition(
  [comp('s', 'flow.start'), explode, comp('e', 'flow.end'), comp('handled', 'flow.end')],
  [flow('s', 'explode'), flow('explode', 'e'), flow('explode', 'handled', 'failure')],
);

const list = (params: Record<string, unknown> = {}) => admin.client.data(rev, ENGINE, 'list_executions', { limit: 100, ...params });
const idsOf = async (params: Record<string, unknown>) => {
  const res = await list(params);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.executions as { id: string }[]).map((e) => e.id);
};

beforeAll(async () => {
  p = await startTestPlatform();
  admin = await signInAdmin(p);
  const { blobId, revisionId } = await newWorkflowBlob(admin.client, 'searching');
  rev = revisionId;
  for (const [alias, def] of [
    ['fib', fibonacciDefinition()],
    ['failing', failing],
    ['recovering', recovering],
  ] as const)
    await upload(admin.client, rev, alias, def);
  const made = await admin.client.post(`/blobs/${blobId}/api_keys`, { role: 'write' });
  key = { id: made.body.api_key.id, secret: made.body.api_key.secret };

  ids.fibByUser = (await run(admin.client, rev, 'fib', [{ alias: 'n', value: integer(5) }])).id;
  boundary = new Date().toISOString();
  ids.fibByKey = (await run(p.client({ key: key.secret }), rev, 'fib', [{ alias: 'n', value: integer(6) }])).id;
  ids.failed = (await run(admin.client, rev, 'failing')).id;
  ids.recovered = (await run(admin.client, rev, 'recovering')).id;

  const timers = await admin.client.post('/orgs/searching/blobs', { name: 'timers', type: 'scheduler', visibility: 'private' });
  const orgId = timers.body.blob.org_id;
  const schedule = await admin.client.data(timers.body.revision.id, SCHEDULER, 'create_schedule', {
    repeat: 'recurring_cron',
    cron_expression: '0 9 1 1 ? 2099',
    timezone: 'UTC',
    invocation_target_type: 'workflow',
    invocation_target: { org_id: orgId, blob_id: blobId, revision_id: rev, workflow_alias: 'fib', input_data: [{ alias: 'n', value: integer(7) }] },
  });
  expect(schedule.status, JSON.stringify(schedule.body)).toBe(200);
  expect((await admin.client.data(timers.body.revision.id, SCHEDULER, 'trigger_schedule', { schedule_id: schedule.body.schedule.id })).status).toBe(200);
  ids.scheduled = await eventually(async () => (await idsOf({ trigger: 'schedule' }))[0]);
  await waitForStatus(admin.client, rev, ids.scheduled);
}, 180_000);
afterAll(async () => {
  await deleteSchedules(
    p.app,
    (await p.app.db.select({ id: schedules.id }).from(schedules)).map((r) => r.id),
  );
  await p?.close();
});

describe('list_executions filters', () => {
  it('by definition alias, and by status', async () => {
    expect(await idsOf({ alias: 'fib' })).toEqual([ids.scheduled, ids.fibByKey, ids.fibByUser]);
    expect(await idsOf({ alias: 'failing' })).toEqual([ids.failed]);
    expect(await idsOf({ status: 'failed' })).toEqual([ids.failed]);
    expect(await idsOf({ alias: 'fib', status: 'failed' })).toEqual([]);
  });

  it('by time range: created_since and created_before, as ISO times or epoch milliseconds', async () => {
    expect(await idsOf({ created_before: boundary })).toEqual([ids.fibByUser]);
    expect(await idsOf({ created_since: boundary, alias: 'fib' })).toEqual([ids.scheduled, ids.fibByKey]);
    expect(await idsOf({ created_since: Date.parse(boundary), created_before: Date.parse(boundary) })).toEqual([]);
  });

  it('by trigger: manual and schedule (webhook is accepted and matches none yet)', async () => {
    expect(await idsOf({ trigger: 'schedule' })).toEqual([ids.scheduled]);
    expect(await idsOf({ trigger: 'manual' })).toEqual([ids.recovered, ids.failed, ids.fibByKey, ids.fibByUser]);
    expect(await idsOf({ trigger: 'webhook' })).toEqual([]);
    const [scheduled] = (await list({ trigger: 'schedule' })).body.executions;
    expect(scheduled).toMatchObject({ trigger: 'schedule', created_by: admin.id, created_by_key_id: null });
  });

  it('by starter: an API key, or a user (with every key of theirs)', async () => {
    expect(await idsOf({ started_by: key.id })).toEqual([ids.fibByKey]);
    const [byKey] = (await list({ started_by: key.id })).body.executions;
    expect(byKey).toMatchObject({ created_by: admin.id, created_by_key_id: key.id, trigger: 'manual' });
    expect(await idsOf({ started_by: admin.id })).toHaveLength(5);
    expect(await idsOf({ started_by: 'usr_00000000000000000000000000' })).toEqual([]);
  });

  it('by a component that failed, named by id or name, whether it failed the run or took its failure route', async () => {
    expect(await idsOf({ component_failed: 'explode' })).toEqual([ids.recovered, ids.failed]);
    expect(await idsOf({ component_failed: 'Explode' })).toEqual([ids.recovered, ids.failed]);
    expect(await idsOf({ component_failed: 'explode', status: 'completed' })).toEqual([ids.recovered]);
    expect(await idsOf({ component_failed: 'c' })).toEqual([]);
  });

  it('by search: an execution id, or a part of the alias in any case', async () => {
    expect(await idsOf({ search: ids.failed })).toEqual([ids.failed]);
    expect(await idsOf({ search: 'FAIL' })).toEqual([ids.failed]);
    expect(await idsOf({ search: 'ing' })).toEqual([ids.recovered, ids.failed]);
    expect(await idsOf({ search: 'ib', trigger: 'manual' })).toEqual([ids.fibByKey, ids.fibByUser]);
    // LIKE's wildcards match only themselves
    expect(await idsOf({ search: '%' })).toEqual([]);
    expect(await idsOf({ search: '_' })).toEqual([]);
  });

  it('counts every match across pages when asked, and only then', async () => {
    const first = await list({ alias: 'fib', limit: 1, include_total: true });
    expect(first.body).toMatchObject({ total: 3, total_exact: true });
    expect(first.body.executions).toHaveLength(1);
    const next = await list({ alias: 'fib', limit: 1, cursor: first.body.cursor, include_total: true });
    expect(next.body.total).toBe(3);
    expect((await list({ status: 'failed', include_total: true })).body.total).toBe(1);
    expect((await list({ search: 'nothing-like-it', include_total: true })).body).toMatchObject({ executions: [], total: 0 });
    expect((await list({ alias: 'fib' })).body.total).toBeUndefined();
  });

  it('pages a filtered list without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: any } = await list({ alias: 'fib', limit: 1, ...(cursor ? { cursor } : {}) });
      expect(res.body.executions.length).toBeLessThanOrEqual(1);
      seen.push(...res.body.executions.map((e: { id: string }) => e.id));
      cursor = res.body.cursor;
    } while (cursor);
    expect(seen).toEqual([ids.scheduled, ids.fibByKey, ids.fibByUser]);
  });

  it('refuses an unknown filter, and a malformed one, instead of ignoring it', async () => {
    const unknown = await list({ created_after: boundary });
    expectError(unknown, 400, 'bad_request');
    expect(JSON.stringify(unknown.body)).toContain('created_after');
    expectError(await list({ trigger: 'cron' }), 400, 'bad_request');
    expectError(await list({ started_by: 'someone' }), 400, 'bad_request');
    expectError(await list({ created_since: 'last week' }), 400, 'bad_request');
  });
});
