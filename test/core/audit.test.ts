/** The audit log (docs/spec.md §3 "Audit log") through REST, tRPC and realtime on the real platform. */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, schedules } from '../../db/schema';
import { deleteSchedules } from '../../engines/scheduler/store';
import { RealtimeClient } from '../realtime/realtime-client';
import type { ApiClient } from '../support/client';
import { expectError, newUser, signInAdmin, type TestUser } from '../support/people';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { comp, data, definition, ENGINE, fibonacciDefinition, flow, start, upload, waitForEvent } from '../support/workflow';

const SCHEDULER = 'scheduler_blobhub';
/** the credential's secret: it must appear in no audit entry and no answer */
const SECRET = 'sk-live-audit-9f8e7d6c5b4a';
const USER_AGENT = 'audit-test/1.0';

let p: TestPlatform;
let owner: TestUser;
let reader: TestUser;
let outsider: TestUser;
let orgId: string;
/** an org-scoped write key of the owner: changes made with it are the key's */
let key: { id: string; secret: string };
let keyClient: ApiClient;

beforeAll(async () => {
  // a sweep every second, and a retention of one day (entries are back-dated to test it)
  p = await startTestPlatform({ env: { BLOBHUB_AUDIT_RETENTION_DAYS: '1', BLOBHUB_AUDIT_SWEEP_SECONDS: '1' } });
  const admin = await signInAdmin(p);
  owner = await newUser(p, admin, 'owner');
  reader = await newUser(p, admin, 'reader');
  outsider = await newUser(p, admin, 'outsider');
  const created = await owner.client.request('POST', '/orgs', { name: 'audited' }, { 'user-agent': USER_AGENT });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  orgId = created.body.org.id;
  expect((await owner.client.post(`/orgs/${orgId}/members`, { user_id: reader.id, role: 'read' })).status).toBe(200);
  const made = await owner.client.post(`/orgs/${orgId}/api_keys`, { role: 'write', description: 'ci' });
  expect(made.status).toBe(200);
  key = { id: made.body.api_key.id, secret: made.body.api_key.secret };
  keyClient = p.client({ key: key.secret });
});
afterAll(async () => {
  await deleteSchedules(
    p.app,
    (await p.app.db.select({ id: schedules.id }).from(schedules)).map((r) => r.id),
  );
  await p?.close();
});

type Entry = { id: string; action: string; target: { type: string; id: string }; actor: any; via: string; client_ip: string; user_agent: string; changes: any };

/** Every entry of the org, following the cursor. */
async function allEntries(query = '', client = owner.client): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: any } = await client.get(`/orgs/${orgId}/audit_log?limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    entries.push(...res.body.audit_entries);
    cursor = res.body.cursor;
  } while (cursor);
  return entries;
}

const waitDefinition = definition(
  [comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'approve', timeout_seconds: 600 }), comp('e', 'flow.end')],
  [flow('s', 'w'), flow('w', 'e'), data('w', 'payload', 'e', 'approval')],
);

describe('every kind of change is recorded with its actor, and no secret', () => {
  const responses: unknown[] = [];
  const ok = async (res: Promise<{ status: number; body: any }>) => {
    const answer = await res;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    responses.push(answer.body);
    return answer.body;
  };
  let blobId: string;
  let revisionId: string;

  beforeAll(async () => {
    // members, credentials, metadata, the org itself (over tRPC too)
    await ok(owner.client.post(`/orgs/${orgId}/members`, { user_id: outsider.id, role: 'read' }));
    await ok(owner.client.patch(`/orgs/${orgId}/members/${outsider.id}`, { role: 'write' }));
    await ok(owner.client.delete(`/orgs/${orgId}/members/${outsider.id}`));
    const credential = await ok(
      owner.client.post(`/orgs/${orgId}/credentials`, { alias: 'stripe', type: 'bearer', body: { token: SECRET }, allowed_hosts: ['api.stripe.com'] }),
    );
    await ok(owner.client.delete(`/orgs/${orgId}/credentials/${credential.credential_id}`));
    await ok(owner.client.patch(`/orgs/${orgId}`, { description: 'payments team' }));
    await ok(owner.client.request('POST', '/trpc/orgs.update', { org_id: orgId, display_name: 'Audited' }));
    // a blob, its definitions, revisions and metadata, made with the org key
    const blob = await ok(keyClient.post(`/orgs/${orgId}/blobs`, { name: 'flows', type: 'workflow' }));
    ({ id: blobId } = blob.blob);
    revisionId = blob.revision.id;
    await ok(keyClient.patch(`/blobs/${blobId}`, { description: 'flows of the team' }));
    await ok(keyClient.put(`/blobs/${blobId}/metadata/owner`, { value: 'payments' }));
    await upload(keyClient, revisionId, 'fib', fibonacciDefinition());
    await upload(keyClient, revisionId, 'approval', waitDefinition);
    await upload(keyClient, revisionId, 'scratch', fibonacciDefinition());
    await ok(keyClient.data(revisionId, ENGINE, 'delete_definition', { alias: 'scratch' }));
    // executions: start, signal, cancel
    const waiting = await start(keyClient, revisionId, 'approval');
    await waitForEvent(keyClient, revisionId, waiting.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'w');
    await ok(keyClient.data(revisionId, ENGINE, 'signal_execution', { execution_id: waiting.id, name: 'approve', payload: { token: 'not-logged' } }));
    const cancelled = await start(keyClient, revisionId, 'approval');
    await ok(keyClient.data(revisionId, ENGINE, 'cancel_execution', { execution_id: cancelled.id }));
    // a scheduler blob's schedule: create, pause, delete
    const timers = await ok(owner.client.post(`/orgs/${orgId}/blobs`, { name: 'timers', type: 'scheduler' }));
    const schedule = await ok(
      owner.client.data(timers.revision.id, SCHEDULER, 'create_schedule', {
        repeat: 'recurring_cron',
        cron_expression: '0 9 ? * MON-FRI *',
        timezone: 'Europe/London',
        invocation_target_type: 'workflow',
        invocation_target: { org_id: orgId, blob_id: blobId, revision_id: revisionId, workflow_alias: 'fib' },
      }),
    );
    await ok(owner.client.data(timers.revision.id, SCHEDULER, 'pause_schedule', { schedule_id: schedule.schedule.id, note: 'holiday' }));
    await ok(owner.client.data(timers.revision.id, SCHEDULER, 'delete_schedule', { schedule_id: schedule.schedule.id }));
    // the revision lifecycle, and the blob's deletion
    await ok(owner.client.data(revisionId, ENGINE, 'delete_definition', { alias: 'approval' }));
    await ok(owner.client.post(`/revisions/${revisionId}/commit`));
    await ok(owner.client.post(`/revisions/${revisionId}/snapshot`));
    const draft = await ok(owner.client.post(`/blobs/${blobId}/revisions`, {}));
    await ok(owner.client.delete(`/revisions/${draft.revision.id}`));
    await ok(owner.client.delete(`/blobs/${timers.blob.id}`));
  }, 120_000);

  it('lists an entry for each change, newest first', async () => {
    const actions = (await allEntries()).map((e) => e.action).reverse();
    expect(actions).toEqual([
      'org.create',
      'member.add',
      'api_key.create',
      'member.add',
      'member.update',
      'member.remove',
      'credential.create',
      'credential.delete',
      'org.update',
      'org.update',
      'blob.create',
      'blob.update',
      'metadata.put',
      'definition.upload',
      'definition.upload',
      'definition.upload',
      'definition.delete',
      'execution.start',
      'execution.signal',
      'execution.start',
      'execution.cancel',
      'blob.create',
      'schedule.create',
      'schedule.pause',
      'schedule.delete',
      'definition.delete',
      'revision.commit',
      'revision.snapshot',
      'revision.create',
      'revision.delete',
      'blob.delete',
    ]);
  });

  it('says who (user or key), from where and through which surface', async () => {
    const entries = await allEntries();
    const [created] = entries.filter((e) => e.action === 'org.create');
    expect(created).toMatchObject({
      actor: { type: 'user', user_id: owner.id, key_id: null },
      via: 'rest',
      user_agent: USER_AGENT,
      target: { type: 'org', id: orgId },
    });
    expect(created!.client_ip).toMatch(/127\.0\.0\.1/);
    const viaTrpc = entries.find((e) => e.action === 'org.update' && e.via === 'trpc');
    expect(viaTrpc?.changes).toEqual({ display_name: { from: null, to: 'Audited' } });
    const started = entries.filter((e) => e.action === 'execution.start');
    for (const e of started) expect(e.actor).toEqual({ type: 'api_key', user_id: owner.id, key_id: key.id });
    expect(entries.find((e) => e.action === 'member.update')).toMatchObject({
      target: { type: 'member', id: outsider.id },
      changes: { on: { type: 'org', id: orgId }, role: { from: 'read', to: 'write' } },
    });
    expect(entries.find((e) => e.action === 'schedule.pause')?.changes).toMatchObject({
      state: { from: 'active', to: 'paused' },
      pause_note: { from: null, to: 'holiday' },
    });
  });

  it('never holds a secret: not the credential body, not the API key, not a signal payload', async () => {
    const stored = JSON.stringify(await p.app.db.select().from(auditLog));
    const listed = JSON.stringify(await allEntries());
    for (const text of [stored, listed, JSON.stringify(responses)]) expect(text).not.toContain(SECRET);
    for (const text of [stored, listed]) {
      expect(text).not.toContain(key.secret);
      expect(text).not.toContain('not-logged');
    }
    expect((await allEntries()).find((e) => e.action === 'credential.create')?.changes).toEqual({
      on: { type: 'org', id: orgId },
      alias: 'stripe',
      type: 'bearer',
      description: null,
      allowed_hosts: ['api.stripe.com'],
    });
  });

  it('filters by actor, action, target and time, and pages without gaps or repeats', async () => {
    const all = await allEntries();
    const byKey = await allEntries(`&actor=${key.id}`);
    expect(byKey.length).toBeGreaterThan(0);
    expect(byKey.every((e) => e.actor.key_id === key.id)).toBe(true);
    expect((await allEntries(`&actor=${owner.id}`)).length).toBe(all.length); // the key acts as its owner: every entry is the owner's
    expect(new Set((await allEntries('&action=member.')).map((e) => e.action))).toEqual(new Set(['member.add', 'member.update', 'member.remove']));
    expect((await allEntries('&action=blob.delete')).map((e) => e.action)).toEqual(['blob.delete']);
    expect((await allEntries(`&target_type=member&target_id=${outsider.id}`)).map((e) => e.action)).toEqual(['member.remove', 'member.update', 'member.add']);
    const middle = all[Math.floor(all.length / 2)]!;
    const createdAt = (await p.app.db.select().from(auditLog).where(eq(auditLog.id, middle.id)))[0]!.createdAt.toISOString();
    const since = await allEntries(`&created_since=${encodeURIComponent(createdAt)}`);
    const before = await allEntries(`&created_before=${encodeURIComponent(createdAt)}`);
    expect(since.length + before.length).toBe(all.length);

    const paged: Entry[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: any } = await owner.client.get(`/orgs/${orgId}/audit_log?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.body.audit_entries.length).toBeLessThanOrEqual(4);
      paged.push(...res.body.audit_entries);
      cursor = res.body.cursor;
    } while (cursor);
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it('refuses an unknown filter instead of ignoring it', async () => {
    expectError(await owner.client.get(`/orgs/${orgId}/audit_log?actr=${key.id}`), 400, 'bad_request');
    expectError(await owner.client.get(`/orgs/${orgId}/audit_log?created_since=yesterday`), 400, 'bad_request');
  });
});

describe('who may read the audit log', () => {
  it('is for org admins only: a reader gets 403, an outsider and a blob key 404, a write key 403, anonymous 401', async () => {
    expect((await owner.client.get(`/orgs/${orgId}/audit_log`)).status).toBe(200);
    expect((await owner.client.get(`/orgs/audited/audit_log`)).status).toBe(200);
    expectError(await reader.client.get(`/orgs/${orgId}/audit_log`), 403, 'forbidden');
    expectError(await outsider.client.get(`/orgs/${orgId}/audit_log`), 404, 'not_found');
    expectError(await keyClient.get(`/orgs/${orgId}/audit_log`), 403, 'forbidden');
    const blob = await owner.client.post(`/orgs/${orgId}/blobs`, { name: 'keyed', type: 'workflow' });
    const blobKey = await owner.client.post(`/blobs/${blob.body.blob.id}/api_keys`, { role: 'admin' });
    expectError(await p.client({ key: blobKey.body.api_key.secret }).get(`/orgs/${orgId}/audit_log`), 404, 'not_found');
    expectError(await p.anonymous.get(`/orgs/${orgId}/audit_log`), 401, 'unauthenticated');
    const adminKey = await owner.client.post(`/orgs/${orgId}/api_keys`, { role: 'admin' });
    expect((await p.client({ key: adminKey.body.api_key.secret }).get(`/orgs/${orgId}/audit_log`)).status).toBe(200);
  });
});

describe('entries are written with their change, never without it', () => {
  it('records nothing for a refused change', async () => {
    const before = (await allEntries()).length;
    expectError(await owner.client.post(`/orgs/${orgId}/members`, { user_id: reader.id, role: 'write' }), 409, 'conflict');
    expectError(await owner.client.delete(`/orgs/${orgId}/members/${owner.id}`), 409, 'conflict');
    expectError(await owner.client.post(`/orgs/${orgId}/credentials`, { alias: 'big', type: 'x', body: { token: 'x'.repeat(20_000) } }), 400, 'bad_request');
    expectError(await reader.client.patch(`/orgs/${orgId}`, { description: 'not mine' }), 403, 'forbidden');
    expect((await allEntries()).length).toBe(before);
  });
});

describe('realtime', () => {
  it('streams entries to a subscribed admin; the org change stream carries the actor and no audit entry', async () => {
    const adminSocket = await RealtimeClient.connect(p.url, { token: owner.client.auth.token });
    const readerSocket = await RealtimeClient.connect(p.url, { token: reader.client.auth.token });
    try {
      const auditKey = { scope: 'core', target: 'audit_log', target_id: orgId };
      expect(await adminSocket.request('subscription/add', auditKey)).toMatchObject({ result: {} });
      expect(await readerSocket.request('subscription/add', auditKey)).toMatchObject({ error: { code: 403 } });
      const orgKey = { scope: 'core', target: 'organization', target_id: orgId };
      expect(await readerSocket.request('subscription/add', orgKey)).toMatchObject({ result: {} });

      const blob = await owner.client.post(`/orgs/${orgId}/blobs`, { name: 'live', type: 'workflow' });
      expect(blob.status).toBe(200);
      await adminSocket.waitForEvents(1, orgId);
      const [event] = adminSocket.events(orgId);
      expect(event).toMatchObject({
        type: 'audit.blob.create',
        data: { audit_entry: { action: 'blob.create', actor: { type: 'user', user_id: owner.id }, target: { type: 'blob', id: blob.body.blob.id } } },
      });

      await readerSocket.waitForEvents(1, orgId);
      const changes = readerSocket.events(orgId);
      expect(changes[0]).toMatchObject({ type: 'blob_created', attributes: { actor: { user_id: owner.id, key_id: null, via: 'rest' } } });
      expect(changes.some((e) => e.type.startsWith('audit.'))).toBe(false);

      // a reconnecting admin replays what it missed
      const replay = await RealtimeClient.connect(p.url, { token: owner.client.auth.token });
      try {
        expect(await replay.request('subscription/add', { ...auditKey, since: 0 })).toMatchObject({ result: {} });
        await replay.waitForEvents((await allEntries()).length, orgId);
        expect(replay.events(orgId).every((e) => e.type.startsWith('audit.'))).toBe(true);
      } finally {
        await replay.close();
      }
    } finally {
      await adminSocket.close();
      await readerSocket.close();
    }
  });
});

describe('retention', () => {
  it('sweeps entries older than BLOBHUB_AUDIT_RETENTION_DAYS and keeps the rest', async () => {
    const entries = await allEntries();
    const old = entries.slice(-3).map((e) => e.id);
    await p.app.db.execute(
      sql`update audit_log set created_at = now() - interval '2 days' where id in (${sql.join(
        old.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
    const deadline = Date.now() + 30_000;
    let left = await allEntries();
    while (left.some((e) => old.includes(e.id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      left = await allEntries();
    }
    expect(left.map((e) => e.id)).toEqual(entries.filter((e) => !old.includes(e.id)).map((e) => e.id));
  });
});
