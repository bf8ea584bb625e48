import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../apps/api/server';
import { realtimeExtension, type RealtimeOptions } from '../../apps/api/realtime';
import { freePort } from '../../apps/dev/processes';
import { createOperation, updateOperation } from '../../core/operations';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import {
  adminApiKey,
  createExecution,
  createSession,
  emitSessionEvent,
  login,
  outsiderToken,
  revokeApiKey,
  workflowRevision,
  type WorkflowRevision,
} from './fixtures';
import { RealtimeClient } from './realtime-client';

let p: TestPlatform;
let rev: WorkflowRevision;
let adminKey: string;
/** the same App behind servers tuned for quick heartbeats and rechecks, or a small send buffer */
let tuned: ApiServer;
let smallBuffer: ApiServer;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  rev = await workflowRevision(p);
  adminKey = p.admin.auth.key!;
  tuned = await realtimeServer({ heartbeatMs: 1000, recheckMs: 200 });
  smallBuffer = await realtimeServer({ maxBufferedBytes: 1024 * 1024 });
});
afterAll(async () => {
  await tuned?.close();
  await smallBuffer?.close();
  await p?.close();
});

async function realtimeServer(options: RealtimeOptions) {
  return startApiServer(p.app, { port: await freePort(), host: '127.0.0.1', extensions: [realtimeExtension(p.app, options)] });
}

const sessionKey = (sessionId: string) => ({ scope: 'revision', scope_id: rev.revisionId, target: 'session', target_id: sessionId });

async function subscribedClient(sessionId: string, url = p.url, auth: Parameters<typeof RealtimeClient.connect>[1] = { key: adminKey }) {
  const client = await RealtimeClient.connect(url, auth);
  expect(await client.request('subscription/add', sessionKey(sessionId))).toMatchObject({ result: {} });
  return client;
}

describe('JSON-RPC methods', () => {
  it('initializes with the server info, echoing string and number ids', async () => {
    const client = await RealtimeClient.connect(p.url, { key: adminKey });
    const res = await client.request('status/initialize', { client_info: { name: 'test', version: '0.0.1' } });
    expect(res).toEqual({ jsonrpc: '2.0', id: 1, result: { server_info: { name: 'BlobHub Realtime Server', version: '1.0.1' } } });
    client.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 'abc', method: 'status/initialize', params: {} }));
    await client.waitForOther(1);
    expect(client.other[0]).toMatchObject({ id: 'abc', result: { server_info: { name: 'BlobHub Realtime Server' } } });
    await client.close();
  });

  it('streams a session to its subscriber as subscription/event notifications, in seq order, and stops after remove', async () => {
    const session = await createSession(p, rev.revisionId);
    const other = await createSession(p, rev.revisionId);
    const client = await subscribedClient(session);
    for (let i = 0; i < 5; i++) await emitSessionEvent(p, rev, session, { data: { i } });
    await emitSessionEvent(p, rev, other);
    await client.waitForEvents(5);
    const notification = client.notifications[0];
    expect(notification).toMatchObject({
      jsonrpc: '2.0',
      method: 'subscription/event',
      params: {
        scope: 'revision',
        scope_id: rev.revisionId,
        target: 'session',
        target_id: session,
        event: { type: 'processor.output', session_id: session, revision_id: rev.revisionId },
      },
    });
    expect(notification!.params.event.id).toMatch(/^evt_/);
    expect(typeof notification!.params.event.created_at).toBe('number');
    expect(client.events().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(client.events().map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4]);

    expect(await client.request('subscription/remove', sessionKey(session))).toMatchObject({ result: {} });
    await emitSessionEvent(p, rev, session);
    // a marker on a second subscription proves the removed one had its chance to deliver
    await client.request('subscription/add', sessionKey(other));
    await emitSessionEvent(p, rev, other, { type: 'marker' });
    await client.waitForEvents(1, other);
    expect(client.events(session)).toHaveLength(5);
    await client.close();
  });

  it('filters by types and carries several subscriptions on one connection', async () => {
    const a = await createSession(p, rev.revisionId);
    const b = await createSession(p, rev.revisionId);
    const client = await RealtimeClient.connect(p.url, { key: adminKey });
    await client.request('subscription/add', { ...sessionKey(a), types: ['execution_started', 'execution_ended'] });
    await client.request('subscription/add', sessionKey(b));
    for (const type of ['execution_started', 'processor.entered', 'execution_ended']) {
      await emitSessionEvent(p, rev, a, { type });
      await emitSessionEvent(p, rev, b, { type });
    }
    await client.waitForEvents(3, b);
    await client.waitForEvents(2, a);
    expect(client.events(a).map((e) => e.type)).toEqual(['execution_started', 'execution_ended']);
    expect(client.events(b).map((e) => e.type)).toEqual(['execution_started', 'processor.entered', 'execution_ended']);
    await client.close();
  });

  it('follows one execution of a session', async () => {
    const session = await createSession(p, rev.revisionId);
    const [x, y] = [await createExecution(p, rev.revisionId, session), await createExecution(p, rev.revisionId, session)];
    const client = await RealtimeClient.connect(p.url, { key: adminKey });
    const key = { scope: 'revision', scope_id: rev.revisionId, target: 'execution', target_id: x };
    expect(await client.request('subscription/add', key)).toMatchObject({ result: {} });
    for (const executionId of [x, y, x, y, x]) await emitSessionEvent(p, rev, session, { executionId });
    await client.waitForEvents(3, x);
    expect(client.events(x).map((e) => [e.execution_id, e.seq])).toEqual([
      [x, 1],
      [x, 3],
      [x, 5],
    ]);
    expect(client.notifications[0]?.params).toMatchObject({ target: 'execution', target_id: x });
    await client.close();
  });

  it('streams core changes of an organization, a blob and a revision', async () => {
    const client = await RealtimeClient.connect(p.url, { key: adminKey });
    const orgKey = { scope: 'core', target: 'organization', target_id: rev.orgId };
    expect(await client.request('subscription/add', orgKey)).toMatchObject({ result: {} });
    expect(await client.request('subscription/add', { scope: 'core', target: 'blob', target_id: rev.blobId })).toMatchObject({ result: {} });
    expect(await client.request('subscription/add', { scope: 'core', target: 'revision', target_id: rev.revisionId })).toMatchObject({ result: {} });

    const created = await p.admin.post(`/orgs/${rev.orgId}/blobs`, { name: `core-${Date.now()}`, type: 'workflow' });
    expect(created.status).toBe(200);
    expect((await p.admin.patch(`/blobs/${rev.blobId}`, { description: 'watched' })).status).toBe(200);
    expect((await p.admin.post(`/revisions/${rev.revisionId}/commit`)).status).toBe(200);

    await client.waitUntil(() => client.events(rev.revisionId).length >= 1, 'revision commit');
    await client.waitUntil(() => client.events(rev.orgId).length >= 3, 'org events');
    expect(client.events(rev.orgId).map((e) => e.type)).toEqual(['blob_created', 'blob_updated', 'revision_committed']);
    expect(client.events(rev.orgId)[0]).toMatchObject({ type: 'blob_created', blob_id: created.body.blob.id, org_id: rev.orgId });
    await client.waitUntil(() => client.events(rev.blobId).length >= 2, 'blob events');
    expect(client.events(rev.blobId).map((e) => e.type)).toEqual(['blob_updated', 'revision_committed']);
    expect(client.events(rev.revisionId).map((e) => e.type)).toEqual(['revision_committed']);
    expect(client.notifications.find((n) => n.params.target === 'organization')!.params).toMatchObject({ scope: 'core', scope_id: null, target_id: rev.orgId });
    await client.close();
  });
});

describe('errors', () => {
  it('answers malformed frames, bad requests, bad params and unknown methods with JSON-RPC errors and stays usable', async () => {
    const client = await RealtimeClient.connect(p.url, { key: adminKey });
    client.sendRaw('{not json');
    client.sendRaw(JSON.stringify({ id: 7, method: 'status/initialize' }));
    client.sendRaw(Buffer.from([1, 2, 3]));
    client.sendRaw('[]');
    await client.waitForOther(4);
    // answers may come in any order (JSON-RPC); each carries the id it could read
    expect(client.other).toHaveLength(4);
    expect(client.other).toEqual(
      expect.arrayContaining([
        { jsonrpc: '2.0', id: null, error: { code: 400, message: expect.stringMatching(/^Parse error/) } },
        { jsonrpc: '2.0', id: 7, error: { code: 400, message: expect.stringMatching(/^Invalid request/) } },
        { jsonrpc: '2.0', id: null, error: { code: 400, message: expect.stringMatching(/^Parse error/) } },
        { jsonrpc: '2.0', id: null, error: { code: 400, message: expect.stringMatching(/^Invalid request/) } },
      ]),
    );

    expect((await client.request('nope/unknown', {})).error).toEqual({ code: 405, message: 'Method not supported: nope/unknown' });
    const badParams = await client.request('subscription/add', { scope: 'revision', scope_id: rev.revisionId, target: 'blob' });
    expect(badParams.error).toMatchObject({ code: 400, data: expect.arrayContaining([expect.objectContaining({ path: 'target_id' })]) });
    expect((await client.request('subscription/add', { ...sessionKey('ses_x'), since: 'yesterday' })).error?.code).toBe(400);
    expect((await client.request('subscription/add', { scope: 'core', target: 'user', target_id: 'usr_x' })).error?.code).toBe(400);

    // a notification (no id) is never answered; a batch is answered as a batch
    client.sendRaw(JSON.stringify({ jsonrpc: '2.0', method: 'status/initialize', params: {} }));
    client.sendRaw(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'b1', method: 'status/initialize', params: {} },
        { jsonrpc: '2.0', method: 'status/initialize' },
        { jsonrpc: '2.0', id: 'b2', method: 'missing' },
      ]),
    );
    await client.waitForOther(6);
    expect(client.other.slice(4)).toEqual([
      { jsonrpc: '2.0', id: 'b1', result: { server_info: { name: 'BlobHub Realtime Server', version: '1.0.1' } } },
      { jsonrpc: '2.0', id: 'b2', error: { code: 405, message: 'Method not supported: missing' } },
    ]);
    expect((await client.request('status/initialize', {})).result).toBeDefined();
    await client.close();
  });

  it('closes a connection that sends a message over 64 KiB with 1009', async () => {
    const client = await RealtimeClient.connect(p.url, { key: adminKey });
    client.sendRaw(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status/initialize', params: { pad: 'x'.repeat(65 * 1024) } }));
    expect((await client.closed).code).toBe(1009);
    const next = await RealtimeClient.connect(p.url, { key: adminKey });
    expect((await next.request('status/initialize', {})).result).toBeDefined();
    await next.close();
  });

  it('answers a plain GET without upgrade with 426', async () => {
    const res = await fetch(`${p.url}/v1/realtime`);
    expect(res.status).toBe(426);
  });
});

describe('authentication and access', () => {
  it('accepts every credential form, echoing the browser subprotocol', async () => {
    const token = await login(p, 'admin@example.com', 'admin-password');
    const session = await createSession(p, rev.revisionId);
    const clients = [
      await RealtimeClient.connect(p.url, { key: adminKey }),
      await RealtimeClient.connect(p.url, { token }),
      await RealtimeClient.connect(p.url, { token: adminKey }),
      await RealtimeClient.connect(p.url, { protocol: 'bearer', secret: token }),
      await RealtimeClient.connect(p.url, { protocol: 'key', secret: adminKey }),
    ];
    expect(clients.map((c) => c.protocol)).toEqual(['', '', '', 'authorization.bearer.base64', 'x-api-key.base64']);
    for (const c of clients) expect(await c.request('subscription/add', sessionKey(session))).toMatchObject({ result: {} });
    await emitSessionEvent(p, rev, session);
    for (const c of clients) await c.waitForEvents(1);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('refuses a bad credential at the handshake with 401', async () => {
    const attempts = [
      { key: 'bhk_not-a-real-key-0000000000' },
      { token: 'not-a-token' },
      { protocol: 'bearer' as const, secret: 'not-a-token' },
      { protocol: 'key' as const, secret: 'bhk_not-a-real-key-0000000000' },
      { protocol: 'key' as const },
    ];
    for (const auth of attempts) {
      await expect(RealtimeClient.connect(p.url, auth)).rejects.toMatchObject({ status: 401 });
    }
  });

  it('forbids subscriptions the caller may not read, with the same answer for missing ones', async () => {
    const session = await createSession(p, rev.revisionId);
    const otherRev = await workflowRevision(p);
    const otherSession = await createSession(p, otherRev.revisionId);
    const forbidden = { code: 403, message: 'Access forbidden' };

    const outsider = await RealtimeClient.connect(p.url, { token: await outsiderToken(p) });
    expect((await outsider.request('subscription/add', sessionKey(session))).error).toEqual(forbidden);
    expect((await outsider.request('subscription/add', { scope: 'core', target: 'organization', target_id: rev.orgId })).error).toEqual(forbidden);
    const anonymous = await RealtimeClient.connect(p.url);
    expect((await anonymous.request('subscription/add', sessionKey(session))).error).toEqual(forbidden);

    const admin = await RealtimeClient.connect(p.url, { key: adminKey });
    // a session or execution must belong to the revision in scope
    expect((await admin.request('subscription/add', sessionKey(otherSession))).error).toEqual(forbidden);
    const otherExecution = await createExecution(p, otherRev.revisionId, otherSession);
    expect(
      (await admin.request('subscription/add', { scope: 'revision', scope_id: rev.revisionId, target: 'execution', target_id: otherExecution })).error,
    ).toEqual(forbidden);
    expect((await admin.request('subscription/add', { ...sessionKey(session), scope_id: 'rev_01jz0000000000000000000000' })).error).toEqual(forbidden);

    // a public blob is readable by anyone, signed in or not
    const publicRev = await workflowRevision(p, 'public');
    const publicSession = await createSession(p, publicRev.revisionId);
    const publicKey = { scope: 'revision', scope_id: publicRev.revisionId, target: 'session', target_id: publicSession };
    expect(await anonymous.request('subscription/add', publicKey)).toMatchObject({ result: {} });
    await emitSessionEvent(p, publicRev, publicSession);
    await anonymous.waitForEvents(1);
    await Promise.all([outsider.close(), anonymous.close(), admin.close()]);
  });

  it('disconnects a key revoked while connected, which then receives nothing more and cannot reconnect', async () => {
    const key = await adminApiKey(p);
    const session = await createSession(p, rev.revisionId);
    const client = await subscribedClient(session, tuned.url, { key: key.secret });
    await emitSessionEvent(p, rev, session);
    await client.waitForEvents(1);

    await revokeApiKey(p, key.id);
    expect(await client.closed).toMatchObject({ code: 4401 });
    await emitSessionEvent(p, rev, session);
    const witness = await subscribedClient(session, tuned.url);
    await emitSessionEvent(p, rev, session);
    await witness.waitForEvents(1);
    expect(client.events()).toHaveLength(1);
    await expect(RealtimeClient.connect(tuned.url, { key: key.secret })).rejects.toMatchObject({ status: 401 });
    await witness.close();
  });
});

describe('resuming with since', () => {
  it('replays stored events after a seq or an event id, then continues live with no gap and no duplicate while events keep arriving', async () => {
    const session = await createSession(p, rev.revisionId);
    for (let i = 0; i < 30; i++) await emitSessionEvent(p, rev, session);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 60; i++) await emitSessionEvent(p, rev, session);
      writing = false;
    })();
    const bySeq = await RealtimeClient.connect(p.url, { key: adminKey });
    expect(await bySeq.request('subscription/add', { ...sessionKey(session), since: 10 })).toMatchObject({ result: {} });
    expect(writing).toBe(true);
    await writer;
    await bySeq.waitForEvents(80);
    expect(bySeq.events().map((e) => e.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 11));

    const cursor = bySeq.events()[69]; // seq 80
    const byId = await RealtimeClient.connect(p.url, { key: adminKey });
    expect(await byId.request('subscription/add', { ...sessionKey(session), since: cursor.id })).toMatchObject({ result: {} });
    await emitSessionEvent(p, rev, session);
    await byId.waitForEvents(11);
    expect(byId.events().map((e) => e.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 81));

    const elsewhere = await createSession(p, rev.revisionId);
    const foreign = await emitSessionEvent(p, rev, elsewhere);
    expect((await byId.request('subscription/add', { ...sessionKey(session), since: foreign.id })).error).toMatchObject({ code: 400 });
    await Promise.all([bySeq.close(), byId.close()]);
  });

  it('streams operation progress on the revision it works on', async () => {
    const fresh = await workflowRevision(p);
    const client = await RealtimeClient.connect(p.url, { key: adminKey });
    expect(
      await client.request('subscription/add', { scope: 'core', target: 'revision', target_id: fresh.revisionId, types: ['operation_updated'] }),
    ).toMatchObject({ result: {} });
    const operation = await createOperation(p.app, { type: 'describe_model', target: { type: 'revision', id: fresh.revisionId }, createdBy: null });
    await updateOperation(p.app, operation.id, { status: 'running', progress: 0.5 });
    await updateOperation(p.app, operation.id, { status: 'succeeded', progress: 1 });
    await client.waitForEvents(2);
    expect(client.events().map((e) => [e.type, e.data.operation.id, e.data.operation.progress])).toEqual([
      ['operation_updated', operation.id, 0.5],
      ['operation_updated', operation.id, 1],
    ]);
    await client.close();
  });

  it('replays core events after a cursor, then continues live', async () => {
    const fresh = await workflowRevision(p);
    expect((await p.admin.patch(`/blobs/${fresh.blobId}`, { description: 'before' })).status).toBe(200);
    const client = await RealtimeClient.connect(p.url, { key: adminKey });
    expect(await client.request('subscription/add', { scope: 'core', target: 'blob', target_id: fresh.blobId, since: 0 })).toMatchObject({ result: {} });
    expect((await p.admin.post(`/revisions/${fresh.revisionId}/commit`)).status).toBe(200);
    await client.waitForEvents(3);
    expect(client.events().map((e) => e.type)).toEqual(['blob_created', 'blob_updated', 'revision_committed']);
    await client.close();
  });
});

describe('connection health', () => {
  it('drops a peer that stops answering pings and keeps the healthy ones', async () => {
    const healthy = await RealtimeClient.connect(tuned.url, { key: adminKey });
    const dead = await RealtimeClient.connect(tuned.url, { key: adminKey });
    dead.ws.pause(); // stops reading: no pong goes back
    await new Promise((r) => setTimeout(r, 3500));
    dead.ws.resume();
    expect((await dead.closed).code).toBe(1006);
    expect((await healthy.request('status/initialize', {})).result).toBeDefined();
    await healthy.close();
  });

  it('closes a consumer that does not read with 1013 while the others receive every event', async () => {
    const session = await createSession(p, rev.revisionId);
    const slow = await subscribedClient(session, smallBuffer.url);
    const fast = await subscribedClient(session, smallBuffer.url);
    const ordinary = await subscribedClient(session); // on the default server
    slow.ws.pause();
    const count = 200;
    const payload = 'x'.repeat(64 * 1024);
    for (let i = 0; i < count; i++) await emitSessionEvent(p, rev, session, { data: { payload } });
    await fast.waitForEvents(count);
    await ordinary.waitForEvents(count);
    slow.ws.resume();
    expect((await slow.closed).code).toBe(1013);
    expect(slow.events().length).toBeLessThan(count);
    expect(fast.events().map((e) => e.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    await Promise.all([fast.close(), ordinary.close()]);
  });
});
