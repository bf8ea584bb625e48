/**
 * Threads, session events and session files over REST and WebSocket, on real PostgreSQL,
 * Temporal and MinIO: the commands, their errors, and the events each change records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Env } from '../../test/support/onnx-client';
import { errorCode } from '../../test/support/client';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { RealtimeClient } from '../../test/realtime/realtime-client';
import { comp, data, definition, ENGINE, flow, newWorkflowBlob, start, text, upload, waitForEvent, waitForStatus } from '../../test/support/workflow';

let p: TestPlatform;
let rev: string;
let session: string;

const cmd = (command: string, params: Record<string, unknown> = {}) => p.admin.data(rev, ENGINE, command, { session_id: session, ...params });
const thread = (name = 'chat') => ({ type: 'thread', thread: { attributes: { name }, metadata: {} } });
const textBlock = (t: string) => [{ type: 'text', text: t }];

beforeAll(async () => {
  p = await startTestPlatform({ env: s3Env() });
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'sessions-state'));
  session = (await p.admin.data(rev, ENGINE, 'create_session', { name: 'main' })).body.session.id;
  expect((await cmd('upload_session_object', { alias: 'chat', value: thread() })).status).toBe(200);
});
afterAll(async () => {
  await p?.close();
});

describe('threads', () => {
  it('posts immutable items, gets them back and lists them in both orders with time windows and cursors', async () => {
    const posted: any[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await cmd('post_session_thread_item', {
        alias: 'chat',
        content: textBlock(`hello ${i}`),
        metadata: { n: i },
        ...(i > 0 ? { parent_id: posted[0].id } : {}),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      posted.push(res.body.item);
    }
    expect(posted[1]).toMatchObject({
      session_id: session,
      revision_id: rev,
      alias: 'chat',
      content: textBlock('hello 1'),
      parent_id: posted[0].id,
      metadata: { n: 1 },
    });
    expect(posted[0].id).toMatch(/^itm_/);
    expect(posted[0].user_id).toMatch(/^usr_/);

    const got = await cmd('get_session_thread_item', { alias: 'chat', item_id: posted[2].id });
    expect(got.body.item).toEqual(posted[2]);

    const newest = await cmd('list_session_thread_items', { alias: 'chat' });
    expect(newest.body.items.map((i: any) => i.id)).toEqual(posted.map((i) => i.id).reverse());
    const oldest = await cmd('list_session_thread_items', { alias: 'chat', ascending: true, limit: 2 });
    expect(oldest.body.items.map((i: any) => i.id)).toEqual([posted[0].id, posted[1].id]);
    const next = await cmd('list_session_thread_items', { alias: 'chat', ascending: true, limit: 2, cursor: oldest.body.cursor });
    expect(next.body.items.map((i: any) => i.id)).toEqual([posted[2].id, posted[3].id]);

    const since = await cmd('list_session_thread_items', { alias: 'chat', ascending: true, created_since: posted[3].created_at });
    expect(since.body.items.map((i: any) => i.id)).not.toContain(posted[3].id);
    expect(since.body.items.map((i: any) => i.id)).toContain(posted[4].id);
    const before = await cmd('list_session_thread_items', { alias: 'chat', created_before: posted[1].created_at });
    expect(before.body.items.every((i: any) => i.created_at < posted[1].created_at)).toBe(true);
  });

  it('refuses a missing alias or a non-thread envelope, an oversized item, bad content and a bad cursor, storing nothing', async () => {
    await cmd('upload_session_object', { alias: 'notes', value: { some: 'json' } });
    const missing = await cmd('post_session_thread_item', { alias: 'nope', content: textBlock('x') });
    expect([missing.status, errorCode(missing)]).toEqual([400, 'invalid_thread_envelope']);
    const wrongType = await cmd('list_session_thread_items', { alias: 'notes' });
    expect([wrongType.status, errorCode(wrongType)]).toEqual([400, 'invalid_thread_envelope']);
    const before = (await cmd('list_session_thread_items', { alias: 'chat', limit: 1000 })).body.items.length;
    const tooLarge = await cmd('post_session_thread_item', { alias: 'chat', content: textBlock('x'.repeat(351 * 1024)) });
    expect([tooLarge.status, errorCode(tooLarge)]).toEqual([413, 'thread_item_too_large']);
    const badBlock = await cmd('post_session_thread_item', { alias: 'chat', content: [{ type: 'text' }] });
    expect([badBlock.status, errorCode(badBlock)]).toEqual([400, 'bad_request']);
    expect((await cmd('list_session_thread_items', { alias: 'chat', limit: 1000 })).body.items.length).toBe(before);
    const badCursor = await cmd('list_session_thread_items', { alias: 'chat', cursor: 'not-a-cursor' });
    expect([badCursor.status, errorCode(badCursor)]).toEqual([400, 'invalid_cursor']);
    const unknownItem = await cmd('get_session_thread_item', { alias: 'chat', item_id: 'itm_00000000000000000000000000' });
    expect([unknownItem.status, errorCode(unknownItem)]).toEqual([404, 'not_found']);
  });

  it('wakes a flow.wait on the thread and lets thread.post_item write to the same thread', async () => {
    await cmd('upload_session_object', { alias: 'inbox', value: thread('inbox') });
    const def = definition(
      [
        comp('s', 'flow.start'),
        comp('w', 'flow.wait', { thread_alias: 'inbox', timeout_seconds: 60 }),
        comp('t', 'thread.post_item', { alias: 'inbox' }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'w'), flow('w', 't'), flow('t', 'e'), data('s', 'reply', 't', 'content'), data('t', 'item_id', 'e')],
    );
    await upload(p.admin, rev, 'waiter', def);
    const execution = await start(p.admin, rev, 'waiter', [{ alias: 'reply', value: text('got it') }], { session_id: session });
    await waitForEvent(p.admin, rev, execution.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'w');
    const human = await cmd('post_session_thread_item', { alias: 'inbox', content: textBlock('please go on') });
    const ended = await waitForStatus(p.admin, rev, execution.id);
    expect(ended.status, JSON.stringify(ended.error)).toBe('completed');
    const botItemId = ended.output_data[0].value.text;
    const items = (await cmd('list_session_thread_items', { alias: 'inbox', ascending: true })).body.items;
    expect(items.map((i: any) => i.id)).toEqual([human.body.item.id, botItemId]);
    expect(items[1].content).toEqual(textBlock('got it'));
  });

  it('drops the items with their envelope', async () => {
    await cmd('upload_session_object', { alias: 'scratch', value: thread('scratch') });
    await cmd('post_session_thread_item', { alias: 'scratch', content: textBlock('soon gone') });
    expect((await cmd('delete_session_object', { alias: 'scratch' })).status).toBe(200);
    await cmd('upload_session_object', { alias: 'scratch', value: thread('scratch') });
    expect((await cmd('list_session_thread_items', { alias: 'scratch' })).body.items).toEqual([]);
  });
});

describe('thread cursors', () => {
  it('give items posted at once distinct, increasing times, so created_since of the last item seen misses none', async () => {
    expect((await cmd('upload_session_object', { alias: 'busy', value: thread('busy') })).status).toBe(200);
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => cmd('post_session_thread_item', { alias: 'busy', content: textBlock(`a${i}`) })));
    expect(first.map((r) => r.status)).toEqual(Array(10).fill(200));
    const seen = (await cmd('list_session_thread_items', { alias: 'busy', ascending: true, limit: 1000 })).body.items;
    const times: number[] = seen.map((item: any) => Date.parse(item.created_at));
    expect(times).toEqual([...new Set(times)].sort((a, b) => a - b));
    await Promise.all(Array.from({ length: 10 }, (_, i) => cmd('post_session_thread_item', { alias: 'busy', content: textBlock(`b${i}`) })));
    const after = (await cmd('list_session_thread_items', { alias: 'busy', ascending: true, created_since: seen[seen.length - 1].created_at, limit: 1000 }))
      .body.items;
    expect(after.map((item: any) => item.content[0].text).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `b${i}`));
  });
});

describe('session events', () => {
  it('lists every event of the session in seq order, paged, from `since`, by type and newest first', async () => {
    const all: any[] = [];
    let cursor: string | undefined;
    do {
      const res = await cmd('list_session_events', { limit: 7, ...(cursor ? { cursor } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      all.push(...res.body.session_events);
      cursor = res.body.cursor ?? undefined;
    } while (cursor);
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const types = new Set(all.map((e) => e.type));
    for (const t of [
      'session_object_modified',
      'session_object_deleted',
      'session_thread_item_posted',
      'execution_started',
      'execution_ended',
      'processor.entered',
    ])
      expect(types).toContain(t);

    const posted = all.find((e) => e.type === 'session_thread_item_posted');
    expect(posted).toMatchObject({ session_id: session, revision_id: rev, alias: 'chat', attributes: { alias: 'chat' } });
    expect(posted.item_id).toMatch(/^itm_/);
    expect(posted.session_object).toEqual({ alias: 'chat', type: 'thread' });
    // REST shows event times as ISO instants, strictly increasing in a session: created_since of the last one seen is an exact cursor
    expect(posted.created_at).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    const times = all.map((e: any) => Date.parse(e.created_at));
    expect(times).toEqual([...new Set(times)].sort((a, b) => a - b));
    const rest = await cmd('list_session_events', { created_since: all[2].created_at, limit: 1000 });
    expect(rest.body.session_events.map((e: any) => e.seq)).toEqual(seqs.slice(3));
    expect(all.find((e) => e.type === 'session_object_modified').session_object).toMatchObject({ alias: 'chat', type: 'thread' });

    const after = await cmd('list_session_events', { since: all[3].id, limit: 1000 });
    expect(after.body.session_events.map((e: any) => e.seq)).toEqual(seqs.slice(4));
    const bySeq = await cmd('list_session_events', { since: all[3].seq, limit: 2 });
    expect(bySeq.body.session_events.map((e: any) => e.seq)).toEqual(seqs.slice(4, 6));
    const onlyThreads = await cmd('list_session_events', { types: ['session_thread_item_posted'], limit: 1000 });
    expect(onlyThreads.body.session_events.every((e: any) => e.type === 'session_thread_item_posted')).toBe(true);
    const latest = await cmd('list_session_events', { ascending: false, limit: 1 });
    expect(latest.body.session_events[0].seq).toBe(Math.max(...seqs));
    const windowed = await cmd('list_session_events', {
      created_since: Date.parse(all[0].created_at) - 1,
      created_before: Date.parse(all[all.length - 1].created_at) + 1,
      limit: 1000,
    });
    expect(windowed.body.session_events.length).toBe(all.length);

    const wrongOrder = await cmd('list_session_events', { ascending: false, cursor: (await cmd('list_session_events', { limit: 1 })).body.cursor });
    expect([wrongOrder.status, errorCode(wrongOrder)]).toEqual([400, 'invalid_cursor']);
    const foreign = await cmd('list_session_events', { since: 'evt_00000000000000000000000000' });
    expect(foreign.status).toBe(400);
  });

  it('streams thread and object events over the WebSocket, and replays them from `since` without gaps or duplicates', async () => {
    const ws = await RealtimeClient.connect(p.url, { key: p.adminKey });
    const key = { scope: 'revision', scope_id: rev, target: 'session', target_id: session, types: ['session_thread_item_posted', 'session_object_modified'] };
    expect(await ws.request('subscription/add', key)).toMatchObject({ result: {} });
    const item = (await cmd('post_session_thread_item', { alias: 'chat', content: textBlock('live') })).body.item;
    await cmd('upload_session_object', { alias: 'config', value: { debug: true } });
    await ws.waitForEvents(2, session);
    const live = ws.events(session);
    expect(live.map((e) => e.type)).toEqual(['session_thread_item_posted', 'session_object_modified']);
    expect(live[0]).toMatchObject({ alias: 'chat', item_id: item.id });
    await ws.close();

    const again = await RealtimeClient.connect(p.url, { key: p.adminKey });
    expect(await again.request('subscription/add', { ...key, since: live[0].id })).toMatchObject({ result: {} });
    await cmd('post_session_thread_item', { alias: 'chat', content: textBlock('after reconnect') });
    await again.waitForEvents(2, session);
    const replayed = again.events(session);
    expect(replayed.map((e) => e.id)[0]).toBe(live[1].id);
    expect(new Set(replayed.map((e) => e.id)).size).toBe(replayed.length);
    await again.close();
  });
});

describe('session files', () => {
  const raw = (command: string, params: Record<string, unknown>, init: { body?: Buffer; accept?: boolean }) =>
    fetch(`${p.url}/v1/revisions/${rev}/data/${init.body ? 'command' : 'query'}`, {
      method: 'POST',
      headers: {
        'x-api-key': p.adminKey,
        ...(init.body
          ? { 'content-type': 'application/octet-stream', 'x-request-body': JSON.stringify({ command, session_id: session, ...params }) }
          : { 'content-type': 'application/json' }),
        ...(init.accept ? { accept: 'application/octet-stream' } : {}),
      },
      body: init.body ?? JSON.stringify({ command, session_id: session, ...params }),
    });

  it('uploads and downloads bytes the way blobhub-worker does, through MinIO', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const up = await raw(
      'upload_session_file',
      { alias: 'report.bin', name: 'report.bin', content_type: 'application/octet-stream', size: bytes.length },
      { body: bytes },
    );
    const upBody = (await up.json()) as any;
    expect(up.status, JSON.stringify(upBody)).toBe(200);
    expect(upBody).toMatchObject({
      status: 'success',
      object: { alias: 'report.bin', session_id: session, value: { type: 'file', file: { name: 'report.bin', size: bytes.length } } },
    });

    const down = await raw('download_session_file', { alias: 'report.bin' }, { accept: true });
    expect(down.status).toBe(200);
    expect(Buffer.from(await down.arrayBuffer()).equals(bytes)).toBe(true);
    expect(JSON.parse(down.headers.get('x-response-body')!)).toMatchObject({
      status: 'success',
      object: { value: { file: { content_type: 'application/octet-stream' } } },
    });

    const signed = await cmd('download_session_file', { alias: 'report.bin' });
    expect(signed.body.download.url).toContain('X-Amz-Signature');
    const viaUrl = await fetch(signed.body.download.url, { headers: signed.body.download.headers });
    expect(Buffer.from(await viaUrl.arrayBuffer()).equals(bytes)).toBe(true);

    const listed = await cmd('list_session_objects');
    expect(listed.body.session_objects).toContainEqual(expect.objectContaining({ alias: 'report.bin', type: 'file' }));
    const events = (await cmd('list_session_events', { types: ['session_object_modified'], ascending: false, limit: 1 })).body.session_events;
    expect(events[0].session_object).toEqual({ alias: 'report.bin', type: 'file' });
  });

  it('replaces a file, takes small files as base64 JSON, and refuses wrong sizes, bad types and unknown files', async () => {
    await raw('upload_session_file', { alias: 'notes.txt', name: 'notes.txt', content_type: 'text/plain' }, { body: Buffer.from('first') });
    const json = await cmd('upload_session_file', {
      alias: 'notes.txt',
      name: 'notes.txt',
      content_type: 'text/plain',
      content_base64: Buffer.from('second').toString('base64'),
    });
    expect(json.status, JSON.stringify(json.body)).toBe(200);
    const down = await raw('download_session_file', { alias: 'notes.txt' }, { accept: true });
    expect(await down.text()).toBe('second');

    const wrongSize = await raw('upload_session_file', { alias: 'x', name: 'x', size: 10 }, { body: Buffer.from('abc') });
    expect([wrongSize.status, ((await wrongSize.json()) as any).error]).toEqual([400, 'bad_request']);
    const badType = await raw('upload_session_file', { alias: 'x', name: 'x', content_type: 'not a type' }, { body: Buffer.from('abc') });
    expect([badType.status, ((await badType.json()) as any).error]).toEqual([400, 'unsupported_file_type']);
    const tooBig = await raw('upload_session_file', { alias: 'x', name: 'x' }, { body: Buffer.alloc(4 * 1024 * 1024 + 1) });
    expect(tooBig.status).toBe(413);
    const unknown = await raw('download_session_file', { alias: 'nothing-here' }, { accept: true });
    expect(unknown.status).toBe(404);
    expect((await cmd('download_session_object', { alias: 'x' })).status).toBe(404);

    expect((await cmd('delete_session_object', { alias: 'notes.txt' })).status).toBe(200);
    expect((await raw('download_session_file', { alias: 'notes.txt' }, { accept: true })).status).toBe(404);
  });

  it('takes the bytes out of the store with the session', async () => {
    const other = (await p.admin.data(rev, ENGINE, 'create_session', {})).body.session.id;
    const upload = await p.admin.data(rev, ENGINE, 'upload_session_file', {
      session_id: other,
      alias: 'f',
      name: 'f.txt',
      content_type: 'text/plain',
      content_base64: Buffer.from('bytes').toString('base64'),
    });
    expect(upload.status).toBe(200);
    const { download } = (await p.admin.data(rev, ENGINE, 'download_session_file', { session_id: other, alias: 'f' })).body;
    expect(await (await fetch(download.url, { headers: download.headers })).text()).toBe('bytes');
    expect((await p.admin.data(rev, ENGINE, 'delete_session', { session_id: other })).status).toBe(200);
    expect((await fetch(download.url, { headers: download.headers })).status).toBe(404);
  });
});

describe('session objects', () => {
  it('take path-like aliases with @ and list by prefix in alias order, page by page', async () => {
    const own = (await p.admin.data(rev, ENGINE, 'create_session', {})).body.session.id;
    const write = (alias: string) => p.admin.data(rev, ENGINE, 'upload_session_object', { session_id: own, alias, value: { n: alias } });
    const aliases = ['projects/a/chat', 'projects/a/inputs/notes@v1.txt', 'projects/b/chat', 'projects_x', 'worker'];
    for (const alias of [...aliases].reverse()) expect((await write(alias)).status).toBe(200);
    const down = await p.admin.data(rev, ENGINE, 'download_session_object', { session_id: own, alias: 'projects/a/inputs/notes@v1.txt' });
    expect(down.body.object).toMatchObject({ alias: 'projects/a/inputs/notes@v1.txt', type: 'json', value: { n: 'projects/a/inputs/notes@v1.txt' } });
    expect(down.body.session_object).toEqual(down.body.object);

    const listed = (args: Record<string, unknown>) => p.admin.data(rev, ENGINE, 'list_session_objects', { session_id: own, ...args });
    expect((await listed({})).body.objects.map((o: any) => o.alias)).toEqual(aliases);
    const first = (await listed({ prefix: 'projects/', limit: 2 })).body;
    expect([first.objects.map((o: any) => o.alias), first.session_objects.length]).toEqual([['projects/a/chat', 'projects/a/inputs/notes@v1.txt'], 2]);
    const second = (await listed({ prefix: 'projects/', limit: 2, cursor: first.cursor })).body;
    expect([second.objects.map((o: any) => o.alias), second.cursor]).toEqual([['projects/b/chat'], null]);
    expect((await listed({ prefix: 'projects/%' })).body.objects).toEqual([]);

    for (const bad of ['a//b', '/a', 'a/', 'a/../b', './a', 'a b', 'x'.repeat(257)]) {
      const res = await write(bad);
      expect([bad, res.status, errorCode(res)]).toEqual([bad, 400, 'bad_request']);
    }
    expect(errorCode(await listed({ cursor: 'not-ours' }))).toBe('invalid_cursor');
  });
});
