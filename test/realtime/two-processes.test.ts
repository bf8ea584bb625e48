import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { startApiProcess, type BlobHubProcess } from '../support/processes';
import { createSession, emitSessionEvent, workflowRevision } from './fixtures';
import { RealtimeClient } from './realtime-client';

let p: TestPlatform;
/** a second API server process on the same database: `tsx apps/api/main.ts` */
let second: BlobHubProcess;
let secondUrl: string;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  second = await startApiProcess(p.env);
  secondUrl = second.url!;
});
afterAll(async () => {
  await second?.stop();
  await p?.close();
});

const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => i + from);

async function writeConcurrently(count: number, write: () => Promise<unknown>) {
  const writers = Array.from({ length: 3 }, async (_, w) => {
    for (let i = w; i < count; i += 3) await write();
  });
  await Promise.all(writers);
}

it('gives a subscriber on each of two API processes every event, in seq order, across a reconnect with since', async () => {
  const rev = await workflowRevision(p);
  const session = await createSession(p, rev.revisionId);
  const key = { scope: 'revision', scope_id: rev.revisionId, target: 'session', target_id: session };
  const auth = { key: p.admin.auth.key };
  const onFirst = await RealtimeClient.connect(p.url, auth);
  let onSecond = await RealtimeClient.connect(secondUrl, auth);
  for (const c of [onFirst, onSecond]) expect(await c.request('subscription/add', key)).toMatchObject({ result: {} });
  const emit = () => emitSessionEvent(p, rev, session, { type: 'processor.output' });

  await writeConcurrently(75, emit);
  await onSecond.waitForEvents(50);
  const beforeDrop = onSecond.events();
  await onSecond.close();
  await writeConcurrently(25, emit); // happens while the second subscriber is away

  const resumed = await RealtimeClient.connect(secondUrl, auth);
  const cursor = beforeDrop[beforeDrop.length - 1].seq;
  const resuming = resumed.request('subscription/add', { ...key, since: cursor });
  await writeConcurrently(50, emit); // keeps arriving during the replay
  expect(await resuming).toMatchObject({ result: {} });
  onSecond = resumed;

  await onFirst.waitForEvents(150);
  await resumed.waitForEvents(150 - cursor);
  expect(onFirst.events().map((e) => e.seq)).toEqual(seqs(1, 150));
  expect([...beforeDrop, ...resumed.events()].map((e) => e.seq)).toEqual(seqs(1, 150));
  await Promise.all([onFirst.close(), resumed.close()]);
});

it('publishes core changes made through one process to subscribers on the other', async () => {
  const rev = await workflowRevision(p);
  const auth = { key: p.admin.auth.key };
  const onFirst = await RealtimeClient.connect(p.url, auth);
  expect(await onFirst.request('subscription/add', { scope: 'core', target: 'organization', target_id: rev.orgId })).toMatchObject({ result: {} });
  const viaSecond = new ApiClient(secondUrl, auth);
  const created = await viaSecond.post(`/orgs/${rev.orgId}/blobs`, { name: 'made-on-second', type: 'workflow' });
  expect(created.status).toBe(200);
  await onFirst.waitForEvents(1);
  expect(onFirst.events()[0]).toMatchObject({ type: 'blob_created', blob_id: created.body.blob.id });
  await onFirst.close();
});
