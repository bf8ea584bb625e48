import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import {
  comp,
  data,
  definition,
  ENGINE,
  eventsOf,
  flow,
  integer,
  run,
  start,
  text,
  upload,
  waitForEvent,
  waitForStatus,
  newWorkflowBlob,
} from '../../test/support/workflow';

let p: TestPlatform;
let rev: string;
let blobId: string;
let server: http.Server;
let baseUrl: string;
const calls: Record<string, number> = {};

beforeAll(async () => {
  p = await startTestPlatform();
  ({ revisionId: rev, blobId } = await newWorkflowBlob(p.admin, 'acme'));
  server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const count = (calls[path] = (calls[path] ?? 0) + 1);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (path.startsWith('/flaky') && count <= 2) return void res.writeHead(503).end('try again');
      if (path === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 3000);
      if (path === '/broken') return void res.writeHead(500).end('boom');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path, method: req.method, auth: req.headers.authorization ?? null, received: body ? JSON.parse(body) : null }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await p?.close();
});

const processorIds = (events: { type: string; attributes?: any }[], type: string) =>
  events.filter((e) => e.type === type).map((e) => e.attributes.processor_id);

describe('running definitions', () => {
  it('runs branch, parallel paths, a join and HTTP calls, with events in a valid order', async () => {
    await upload(
      p.admin,
      rev,
      'order',
      definition(
        [
          comp('s', 'flow.start'),
          comp('b', 'flow.branch', { input: 'n', op: 'gt', value: 5 }),
          comp('big', 'http.request', { method: 'POST', url: `${baseUrl}/big` }),
          comp('small', 'http.request', { method: 'GET', url: `${baseUrl}/small` }),
          comp('audit', 'http.request', { method: 'GET', url: `${baseUrl}/audit` }),
          comp('j', 'flow.join', { mode: 'all' }),
          comp('e', 'flow.end'),
        ],
        [
          flow('s', 'b'),
          flow('s', 'audit'),
          flow('b', 'big', 'true'),
          flow('b', 'small', 'false'),
          flow('big', 'j'),
          flow('audit', 'j'),
          flow('j', 'e'),
          data('s', 'n', 'b'),
          data('s', 'n', 'big', 'body'),
          data('big', 'body', 'e', 'big'),
          data('audit', 'status', 'e', 'audit_status'),
        ],
      ),
    );
    const execution = await run(p.admin, rev, 'order', [{ alias: 'n', value: integer(7) }]);
    expect(execution.status).toBe('completed');
    expect(execution.output_data).toEqual([
      { alias: 'big', value: { type: 'json', json: { path: '/big', method: 'POST', auth: null, received: 7 } } },
      { alias: 'audit_status', value: integer(200) },
    ]);
    expect(calls['/small']).toBeUndefined();

    const events = await eventsOf(p.admin, rev, execution.id);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('execution_started');
    expect(types[1]).toBe('flow.entered');
    expect(types.slice(-2)).toEqual(['flow.exited', 'execution_ended']);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    for (const e of events) expect(e).toMatchObject({ revision_id: rev, session_id: execution.session_id, execution_id: execution.id });
    // each component entered once and exited once, entered before exited, a join after both its paths
    const entered = processorIds(events, 'processor.entered');
    const exited = processorIds(events, 'processor.exited');
    expect([...entered].sort()).toEqual(['audit', 'b', 'big', 'e', 'j', 's']);
    expect([...exited].sort()).toEqual([...entered].sort());
    const at = (type: string, id: string) => events.findIndex((e) => e.type === type && e.attributes?.processor_id === id);
    for (const id of entered) expect(at('processor.entered', id)).toBeLessThan(at('processor.exited', id));
    expect(at('processor.entered', 'j')).toBeGreaterThan(Math.max(at('processor.exited', 'big'), at('processor.exited', 'audit')));
    const branchExit = events.find((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'b')!;
    expect(branchExit.attributes).toMatchObject({ processor_type: 'flow.branch', processor_name: 'b', route: 'true', attempt: 1 });
    expect(typeof branchExit.attributes.duration_ms).toBe('number');
  });

  it('authenticates an HTTP call with a credential alias, and redacts it from the response', async () => {
    const login = await p.anonymous.post('/auth/login', { email: 'admin@example.com', password: 'admin-password' });
    const stored = await p
      .client({ token: login.body.access_token })
      .post(`/blobs/${blobId}/credentials`, { alias: 'api', type: 'bearer', body: { token: 's3cret' }, allowed_hosts: [new URL(baseUrl).host] });
    expect(stored.status).toBe(200);
    await upload(
      p.admin,
      rev,
      'secure',
      definition(
        [comp('s', 'flow.start'), comp('h', 'http.request', { url: `${baseUrl}/secure`, credential: 'api' }), comp('e', 'flow.end')],
        [flow('s', 'h'), flow('h', 'e'), data('h', 'body', 'e')],
      ),
    );
    const execution = await run(p.admin, rev, 'secure');
    // the echo server saw the token; what was recorded did not
    expect(execution.output_data[0].value.json).toMatchObject({ path: '/secure', auth: '[redacted]' });
  });

  it('takes the failure route of a failing component', async () => {
    await upload(
      p.admin,
      rev,
      'fallback',
      definition(
        [comp('s', 'flow.start'), comp('h', 'http.request', { url: `${baseUrl}/broken` }), comp('ok', 'flow.end'), comp('recovered', 'flow.end')],
        [flow('s', 'h'), flow('h', 'ok'), flow('h', 'recovered', 'failure'), data('h', 'error', 'recovered')],
      ),
    );
    const execution = await run(p.admin, rev, 'fallback');
    expect(execution.status).toBe('completed');
    expect(execution.output_data).toEqual([{ alias: 'error', value: text(expect.stringContaining('HTTP 500')) }]);
    const exited = (await eventsOf(p.admin, rev, execution.id)).find((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'h');
    expect(exited?.attributes).toMatchObject({ route: 'failure', attempt: 1 });
  });

  it('fails the execution with processor.error then flow.error when no failure route is connected', async () => {
    await upload(
      p.admin,
      rev,
      'no-fallback',
      definition([comp('s', 'flow.start'), comp('h', 'http.request', { url: `${baseUrl}/broken` }), comp('e', 'flow.end')], [flow('s', 'h'), flow('h', 'e')]),
    );
    const execution = await run(p.admin, rev, 'no-fallback');
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ component_id: 'h', component_type: 'http.request', message: expect.stringContaining('HTTP 500') });
    const types = (await eventsOf(p.admin, rev, execution.id)).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['processor.error', 'flow.error', 'execution_ended']);
  });

  it('retries a component per its retry policy: one processor.exited with attempt 3', async () => {
    await upload(
      p.admin,
      rev,
      'flaky',
      definition(
        [
          comp('s', 'flow.start'),
          comp('h', 'http.request', { url: `${baseUrl}/flaky-1` }, { retry: { maximum_attempts: 3, initial_interval_ms: 50 } }),
          comp('e', 'flow.end'),
        ],
        [flow('s', 'h'), flow('h', 'e'), data('h', 'status', 'e')],
      ),
    );
    const execution = await run(p.admin, rev, 'flaky');
    expect(execution.status).toBe('completed');
    expect(calls['/flaky-1']).toBe(3);
    const events = await eventsOf(p.admin, rev, execution.id);
    const h = events.filter((e) => e.attributes?.processor_id === 'h');
    expect(h.map((e) => e.type)).toEqual(['processor.entered', 'processor.exited']);
    expect(h[1]?.attributes.attempt).toBe(3);
  });

  it('times a slow component out after its timeout_ms', async () => {
    await upload(
      p.admin,
      rev,
      'slow',
      definition(
        [
          comp('s', 'flow.start'),
          comp('h', 'http.request', { url: `${baseUrl}/slow` }, { timeout_ms: 300, retry: { maximum_attempts: 1 } }),
          comp('e', 'flow.end'),
        ],
        [flow('s', 'h'), flow('h', 'e')],
      ),
    );
    const execution = await run(p.admin, rev, 'slow');
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ component_id: 'h', kind: expect.stringMatching(/timeout|network/) });
    const error = (await eventsOf(p.admin, rev, execution.id)).find((e) => e.type === 'processor.error');
    expect(error?.attributes).toMatchObject({ processor_id: 'h' });
  });
});

describe('waiting, timers and cancellation', () => {
  const waitDef = definition(
    [comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'approve', timeout_seconds: 1.5 }), comp('yes', 'flow.end'), comp('no', 'flow.end')],
    [flow('s', 'w'), flow('w', 'yes'), flow('w', 'no', 'timeout'), data('w', 'payload', 'yes', 'approval')],
  );

  it('resolves flow.wait with signal_execution', async () => {
    await upload(p.admin, rev, 'approval', waitDef);
    const execution = await start(p.admin, rev, 'approval');
    await waitForEvent(p.admin, rev, execution.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'w');
    const signal = await p.admin.data(rev, ENGINE, 'signal_execution', { execution_id: execution.id, name: 'approve', payload: { by: 'ann' } });
    expect(signal.status).toBe(200);
    const done = await waitForStatus(p.admin, rev, execution.id);
    expect(done.status).toBe('completed');
    expect(done.output_data).toEqual([{ alias: 'approval', value: { type: 'json', json: { by: 'ann' } } }]);
  });

  it('takes the timeout route of flow.wait when no signal comes', async () => {
    const execution = await run(p.admin, rev, 'approval');
    expect(execution.status).toBe('completed');
    const w = (await eventsOf(p.admin, rev, execution.id)).find((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'w');
    expect(w?.attributes.route).toBe('timeout');
  });

  it('resolves flow.wait with an item posted to a thread of the session', async () => {
    const session = (await p.admin.data(rev, ENGINE, 'create_session', {})).body.session;
    const envelope = { type: 'thread', thread: { attributes: { name: 'inbox' }, metadata: {} } };
    expect((await p.admin.data(rev, ENGINE, 'upload_session_object', { session_id: session.id, alias: 'inbox', value: envelope })).status).toBe(200);
    await upload(
      p.admin,
      rev,
      'inbox',
      definition(
        [
          comp('s', 'flow.start'),
          comp('w', 'flow.wait', { thread_alias: 'inbox', timeout_seconds: 30 }),
          comp('d', 'flow.delay', { seconds: 0.5 }),
          comp('post', 'thread.post_item', { alias: 'inbox' }),
          comp('e', 'flow.end'),
        ],
        [flow('s', 'w'), flow('s', 'd'), flow('d', 'post'), flow('w', 'e'), data('s', 'msg', 'post', 'content'), data('w', 'payload', 'e', 'posted')],
      ),
    );
    const execution = await start(p.admin, rev, 'inbox', [{ alias: 'msg', value: text('hello thread') }], { session_id: session.id });
    const done = await waitForStatus(p.admin, rev, execution.id);
    expect(done.status).toBe('completed');
    const woken = done.output_data[0].value.json;
    expect(woken).toMatchObject({ alias: 'inbox', item_id: expect.stringMatching(/^itm_[0-9a-z]{26}$/) });
    // the wait hands on the item itself: what was said, by whom, when
    const item = (await p.admin.data(rev, ENGINE, 'get_session_thread_item', { session_id: session.id, alias: 'inbox', item_id: woken.item_id })).body.item;
    expect(woken.item).toEqual(item);
    expect(JSON.stringify(item.content)).toContain('hello thread');
    const posted = (await eventsOf(p.admin, rev, execution.id)).find((e) => e.type === 'session_thread_item_posted');
    expect(posted?.attributes).toEqual({ alias: 'inbox', item_id: woken.item_id, session_object: { alias: 'inbox', type: 'thread' } });
  });

  it('waits on flow.delay with a durable timer', async () => {
    await upload(
      p.admin,
      rev,
      'delayed',
      definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 1 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]),
    );
    const execution = await run(p.admin, rev, 'delayed');
    expect(execution.status).toBe('completed');
    const history = await p.app.temporal.client.workflow.getHandle(execution.id).fetchHistory();
    expect(history.events?.some((e) => e.timerStartedEventAttributes)).toBe(true);
    const d = (await eventsOf(p.admin, rev, execution.id)).find((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'd');
    expect(d?.attributes.duration_ms).toBeGreaterThanOrEqual(1000);
  });

  it('ends an execution that runs past its timeout_seconds as timed_out', async () => {
    await upload(
      p.admin,
      rev,
      'forever',
      definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 3600 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]),
    );
    const execution = await start(p.admin, rev, 'forever', [], { timeout_seconds: 1 });
    const done = await waitForStatus(p.admin, rev, execution.id);
    expect(done).toMatchObject({ status: 'failed', error: { kind: 'timeout' } });
    expect((await eventsOf(p.admin, rev, execution.id)).map((e) => e.type).slice(-2)).toEqual(['flow.error', 'execution_ended']);
  });

  it('cancels a running execution', async () => {
    await upload(
      p.admin,
      rev,
      'long',
      definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 3600 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]),
    );
    const execution = await start(p.admin, rev, 'long');
    await waitForEvent(p.admin, rev, execution.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'd');
    const cancel = await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: execution.id });
    expect(cancel.status).toBe(200);
    const done = await waitForStatus(p.admin, rev, execution.id);
    expect(done.status).toBe('stopped');
    const types = (await eventsOf(p.admin, rev, execution.id)).map((e) => e.type);
    expect(types.at(-1)).toBe('execution_ended');
    expect((await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: execution.id })).status).toBe(409);
  });
});

describe('sessions', () => {
  it('creates, lists and deletes sessions; deleting one cancels what runs in it', async () => {
    const session = (await p.admin.data(rev, ENGINE, 'create_session', { name: 'doomed', metadata: { team: 'a' } })).body.session;
    expect(session).toMatchObject({ revision_id: rev, name: 'doomed', metadata: { team: 'a' } });
    expect((await p.admin.data(rev, ENGINE, 'get_session', { session_id: session.id })).body.session.id).toBe(session.id);
    expect((await p.admin.data(rev, ENGINE, 'list_sessions', { limit: 100 })).body.sessions.map((s: any) => s.id)).toContain(session.id);
    await upload(
      p.admin,
      rev,
      'long',
      definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 3600 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]),
    );
    const execution = await start(p.admin, rev, 'long', [], { session_id: session.id });
    await waitForEvent(p.admin, rev, execution.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'd');
    expect((await p.admin.data(rev, ENGINE, 'delete_session', { session_id: session.id })).status).toBe(200);
    expect((await p.admin.data(rev, ENGINE, 'get_session', { session_id: session.id })).status).toBe(404);
    expect((await p.admin.data(rev, ENGINE, 'get_execution', { execution_id: execution.id })).status).toBe(404);
    const handle = p.app.temporal.client.workflow.getHandle(execution.id);
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });
});

describe('subworkflows, session objects and Temporal', () => {
  it('runs another definition as a child workflow and uses its outputs', async () => {
    await upload(
      p.admin,
      rev,
      'child',
      definition(
        [comp('s', 'flow.start'), comp('h', 'http.request', { method: 'POST', url: `${baseUrl}/child` }), comp('e', 'flow.end')],
        [flow('s', 'h'), flow('h', 'e'), data('s', 'x', 'h', 'body'), data('h', 'body', 'e', 'answer')],
      ),
    );
    await upload(
      p.admin,
      rev,
      'parent',
      definition(
        [comp('s', 'flow.start'), comp('sub', 'flow.subworkflow', { alias: 'child' }), comp('e', 'flow.end')],
        [flow('s', 'sub'), flow('sub', 'e'), data('s', 'n', 'sub', 'x'), data('sub', 'answer', 'e', 'from_child')],
      ),
    );
    const execution = await run(p.admin, rev, 'parent', [{ alias: 'n', value: integer(3) }]);
    expect(execution.status).toBe('completed');
    expect(execution.output_data[0]).toMatchObject({ alias: 'from_child', value: { type: 'json', json: { path: '/child', received: 3 } } });
    const list = await p.admin.data(rev, ENGINE, 'list_executions', { session_id: execution.session_id });
    const child = list.body.executions.find((e: any) => e.alias === 'child');
    expect(child).toMatchObject({ status: 'completed', parent_execution_id: execution.id });
  });

  it('reads and writes session objects from a flow', async () => {
    const session = (await p.admin.data(rev, ENGINE, 'create_session', { name: 'chat' })).body.session;
    expect((await p.admin.data(rev, ENGINE, 'upload_session_object', { session_id: session.id, alias: 'greeting', value: text('hello') })).status).toBe(200);
    await upload(
      p.admin,
      rev,
      'copy',
      definition(
        [
          comp('s', 'flow.start'),
          comp('r', 'session.read_object', { alias: 'greeting' }),
          comp('w', 'session.write_object', { alias: 'copy' }),
          comp('e', 'flow.end'),
        ],
        [flow('s', 'r'), flow('r', 'w'), flow('w', 'e'), data('r', 'value', 'w'), data('r', 'value', 'e')],
      ),
    );
    const execution = await start(p.admin, rev, 'copy', [], { session_id: session.id });
    expect((await waitForStatus(p.admin, rev, execution.id)).output_data).toEqual([{ alias: 'value', value: text('hello') }]);
    const copy = await p.admin.data(rev, ENGINE, 'download_session_object', { session_id: session.id, alias: 'copy' });
    expect(copy.body.session_object).toMatchObject({ revision_id: rev, session_id: session.id, alias: 'copy', value: text('hello') });
    const objects = await p.admin.data(rev, ENGINE, 'list_session_objects', { session_id: session.id });
    expect(objects.body.session_objects.map((o: any) => o.alias)).toEqual(['copy', 'greeting']);
    const modified = (await eventsOf(p.admin, rev, execution.id)).filter((e) => e.type === 'session_object_modified');
    expect(modified.map((e) => e.attributes.session_object.alias)).toEqual(['copy']);
    expect((await p.admin.data(rev, ENGINE, 'delete_session_object', { session_id: session.id, alias: 'copy' })).status).toBe(200);
    expect((await p.admin.data(rev, ENGINE, 'download_session_object', { session_id: session.id, alias: 'copy' })).status).toBe(404);
  });

  it('makes every execution findable in Temporal by the BlobHub search attributes', async () => {
    const execution = await run(p.admin, rev, 'delayed');
    expect(execution.temporal).toMatchObject({ workflow_id: execution.id, namespace: p.app.temporal.namespace });
    expect(execution.temporal.ui_url).toContain(execution.id);
    const query = `BlobHubSessionId = '${execution.session_id}' AND BlobHubDefinitionAlias = 'delayed' AND BlobHubRevisionId = '${rev}'`;
    const deadline = Date.now() + 15_000;
    let found: string[] = [];
    while (Date.now() < deadline && !found.includes(execution.id)) {
      found = [];
      for await (const w of p.app.temporal.client.workflow.list({ query })) found.push(w.workflowId);
      if (!found.includes(execution.id)) await new Promise((r) => setTimeout(r, 250));
    }
    expect(found).toEqual([execution.id]);
    const described = await p.app.temporal.client.workflow.getHandle(execution.id).describe();
    expect(described.type).toBe('blobhubExecution');
  });
});
