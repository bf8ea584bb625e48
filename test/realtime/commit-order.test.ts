/**
 * Core event streams (org, blob, revision) resumed with `since` while writers commit out of the
 * order they took their seq in: a reader must never pass an event that commits later.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordEvent, type EventRow } from '../../core/events';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { workflowRevision, type WorkflowRevision } from './fixtures';
import { RealtimeClient } from './realtime-client';

let p: TestPlatform;
let auth: { key?: string };

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  auth = { key: p.admin.auth.key };
});
afterAll(async () => {
  await p?.close();
});

const blobUpdate = (rev: WorkflowRevision, writer: string) => ({ type: 'blob_updated', orgId: rev.orgId, blobId: rev.blobId, data: { writer } });

/** Records an event in a transaction that stays open (its commit delayed) until `commit` is called. */
function heldWrite(rev: WorkflowRevision, writer: string) {
  let commit!: () => void;
  const released = new Promise<void>((resolve) => (commit = resolve));
  let recorded!: (row: EventRow) => void;
  const row = new Promise<EventRow>((resolve) => (recorded = resolve));
  const done = p.app.db.transaction(async (tx) => {
    recorded(await recordEvent(tx, blobUpdate(rev, writer)));
    await released;
  });
  return { row, commit, done };
}

/** True once some session of this database waits for a lock (a writer queued behind a held one). */
async function someoneWaitsForALock(): Promise<boolean> {
  const rows = await p.app.db.execute<{ waiting: number }>(
    sql`select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return ((rows as { waiting: number }[])[0]?.waiting ?? 0) > 0;
}

async function subscribe(key: Record<string, unknown>, since: string | number) {
  const client = await RealtimeClient.connect(p.url, auth);
  expect(await client.request('subscription/add', { ...key, since })).toMatchObject({ result: {} });
  return client;
}

it('a reader resuming with since gets an event whose commit was delayed past a later writer', async () => {
  const rev = await workflowRevision(p);
  const key = { scope: 'core', target: 'blob', target_id: rev.blobId };
  const first = await subscribe(key, 0);
  await first.waitForEvents(1); // blob_created
  const early = heldWrite(rev, 'early');
  await early.row;
  let laterCommitted = false;
  const later = recordEvent(p.app.db, blobUpdate(rev, 'later')).then(() => (laterCommitted = true));
  // the later writer either commits past the held one (the race) or queues behind it
  while (!laterCommitted && !(await someoneWaitsForALock())) await new Promise((r) => setTimeout(r, 20));
  if (laterCommitted) await first.waitForEvents(2); // the reader already holds the later event
  const seenBefore = first.events();
  await first.close();

  early.commit(); // while no reader is connected
  await Promise.all([early.done, later]);
  const resumed = await subscribe(key, seenBefore[seenBefore.length - 1].id);
  const writers = () => [...seenBefore, ...resumed.events()].map((e) => e.data.writer ?? e.type);
  await resumed.waitUntil(() => writers().length >= 3, 'both updates', 5_000).catch(() => undefined);
  expect(writers()).toEqual(['blob_created', 'early', 'later']);
  await resumed.close();
});

it('concurrent writers with delayed commits: a reader reconnecting with since over and over gets every event exactly once, in seq order', async () => {
  const rev = await workflowRevision(p);
  const key = { scope: 'core', target: 'organization', target_id: rev.orgId };
  const written: EventRow[] = [];
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; i < 6; i++) {
      await p.app.db.transaction(async (tx) => {
        written.push(await recordEvent(tx, blobUpdate(rev, `${w}.${i}`)));
        await new Promise((r) => setTimeout(r, Math.random() * 40)); // the commit waits a little
      });
    }
  });
  let writing = true;
  const allWritten = Promise.all(writers).then(() => (writing = false));

  const received: { id: string; seq: number }[] = [];
  let cursor: string | number = 0;
  for (let connection = 0; writing || connection === 0; connection++) {
    const client = await subscribe(key, cursor);
    await new Promise((r) => setTimeout(r, 30 + Math.random() * 60));
    await client.close();
    received.push(...client.events());
    cursor = received[received.length - 1]?.id ?? cursor;
  }
  await allWritten;
  const last = await subscribe(key, cursor);
  const expected = [...written].sort((a, b) => a.seq - b.seq).map((e) => e.id);
  const allIds = () => [...received, ...last.events()].filter((e) => e.id !== undefined).map((e) => e.id);
  // events of the org created before the writers (org and blob creation) come first
  await last.waitUntil(() => expected.every((id) => allIds().includes(id)), 'every written event', 10_000).catch(() => undefined);
  const ids = allIds().filter((id) => written.some((e) => e.id === id));
  expect(ids).toEqual(expected);
  const seqs = [...received, ...last.events()].map((e) => e.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  await last.close();
});
