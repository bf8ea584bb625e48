/**
 * Bad input gets its SPEC code and leaves the database exactly as it was; committed and
 * snapshotted content cannot change by any route.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../db/schema';
import type { ApiResponse } from '../support/client';
import { ENGINE, comp, definition, fibonacciDefinition, flow } from '../support/workflow';
import { expectError, startWithOwnedBlob, type TestUser } from '../support/people';
import type { TestPlatform } from '../support/platform';

let p: TestPlatform;
let owner: TestUser;
let orgId: string;
let blobId: string;
let revisionId: string;

beforeAll(async () => {
  ({ p, owner, orgId, blobId, revisionId } = await startWithOwnedBlob('shop', { name: 'notes', type: 'workflow' }));
});
afterAll(() => p?.close());

/** Every table a core request can write, read through the app's own database handle. */
async function coreRows() {
  const db = p.app.db;
  const tables = [
    schema.users,
    schema.authTokens,
    schema.orgs,
    schema.members,
    schema.apiKeys,
    schema.credentials,
    schema.blobs,
    schema.revisions,
    schema.metadata,
    schema.operations,
    schema.events,
  ];
  return Promise.all(tables.map((t) => db.select().from(t)));
}

async function rawRequest(method: string, path: string, body: string | Buffer, contentType = 'application/json'): Promise<ApiResponse> {
  const res = await fetch(`${p.url}/v1${path}`, {
    method,
    headers: { 'content-type': contentType, authorization: owner.client.auth.token ? `Bearer ${owner.client.auth.token}` : '' },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('bad input', () => {
  const cases: { name: string; send: () => Promise<ApiResponse>; status: number; code: string }[] = [
    { name: 'malformed JSON', send: () => rawRequest('POST', '/orgs', '{"name": "x",'), status: 400, code: 'bad_request' },
    { name: 'a JSON body that is not an object', send: () => rawRequest('POST', '/orgs', '"acme"'), status: 400, code: 'bad_request' },
    {
      name: 'a body that is not valid UTF-8',
      send: () => rawRequest('POST', '/orgs', Buffer.concat([Buffer.from('{"name":"x","description":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'a JSON string as the body of a PATCH whose fields are all optional',
      send: () => rawRequest('PATCH', `/blobs/${blobId}`, '"\\u0003"'),
      status: 400,
      code: 'bad_request',
    },
    { name: 'a JSON array as a body', send: () => rawRequest('PATCH', `/orgs/${orgId}`, '[{"description": "x"}]'), status: 400, code: 'bad_request' },
    { name: 'a wrong type', send: () => owner.client.post('/orgs', { name: 42 }), status: 400, code: 'bad_request' },
    { name: 'a missing field', send: () => owner.client.post(`/orgs/${orgId}/blobs`, { name: 'no-type' }), status: 400, code: 'bad_request' },
    { name: 'an unknown enum value', send: () => owner.client.post(`/orgs/${orgId}/blobs`, { name: 'v', type: 'video' }), status: 400, code: 'bad_request' },
    { name: 'an unknown visibility', send: () => owner.client.patch(`/blobs/${blobId}`, { visibility: 'secret' }), status: 400, code: 'bad_request' },
    { name: 'an invalid org slug', send: () => owner.client.post('/orgs', { name: 'Not A Slug' }), status: 400, code: 'bad_request' },
    { name: 'a slug that is too long', send: () => owner.client.post('/orgs', { name: 'a'.repeat(64) }), status: 400, code: 'bad_request' },
    {
      name: 'an invalid blob slug',
      send: () => owner.client.post(`/orgs/${orgId}/blobs`, { name: '-dash', type: 'workflow' }),
      status: 400,
      code: 'bad_request',
    },
    { name: 'an org id where a blob id belongs', send: () => owner.client.get(`/blobs/${orgId}`), status: 400, code: 'bad_request' },
    { name: 'a blob id where a revision id belongs', send: () => owner.client.post(`/revisions/${blobId}/commit`), status: 400, code: 'bad_request' },
    {
      name: 'a revision id as from_revision_id of the wrong kind',
      send: () => owner.client.post(`/blobs/${blobId}/revisions`, { from_revision_id: blobId }),
      status: 400,
      code: 'bad_request',
    },
    { name: 'a list limit above 100', send: () => owner.client.get(`/orgs/${orgId}/blobs?limit=101`), status: 400, code: 'bad_request' },
    { name: 'an unknown engine', send: () => owner.client.data(revisionId, 'nope', 'x'), status: 400, code: 'bad_request' },
    { name: 'an unknown command', send: () => owner.client.data(revisionId, ENGINE, 'nope'), status: 400, code: 'bad_request' },
    {
      name: 'bad command parameters',
      send: () => owner.client.data(revisionId, ENGINE, 'get_execution', { execution_id: 5 }),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'a changing command sent to /data/query',
      send: () =>
        owner.client.post(`/revisions/${revisionId}/data/query`, {
          engine: ENGINE,
          command: 'upload_definition',
          alias: 'x',
          definition: fibonacciDefinition(),
        }),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'a body over 1 MiB',
      send: () => rawRequest('POST', '/orgs', JSON.stringify({ name: 'big', description: 'x'.repeat(1024 * 1024) })),
      status: 413,
      code: 'payload_too_large',
    },
    { name: 'a body that is not JSON', send: () => rawRequest('POST', '/orgs', 'name=x', 'text/plain'), status: 415, code: 'unsupported_media_type' },
    { name: 'an unknown route', send: () => owner.client.get('/nothing/here'), status: 404, code: 'not_found' },
    { name: 'a duplicate org name', send: () => owner.client.post('/orgs', { name: 'shop' }), status: 409, code: 'conflict' },
    {
      name: 'a duplicate blob name',
      send: () => owner.client.post(`/orgs/${orgId}/blobs`, { name: 'notes', type: 'workflow' }),
      status: 409,
      code: 'conflict',
    },
    { name: 'a second open draft', send: () => owner.client.post(`/blobs/${blobId}/revisions`, {}), status: 409, code: 'conflict' },
    { name: 'a snapshot of a draft', send: () => owner.client.post(`/revisions/${revisionId}/snapshot`), status: 409, code: 'conflict' },
    { name: 'removing the last org admin', send: () => owner.client.delete(`/orgs/${orgId}/members/${owner.id}`), status: 409, code: 'conflict' },
    // Text PostgreSQL cannot store, and cursors the server never gave out (found by a fuzzer).
    { name: 'U+0000 in a string', send: () => owner.client.post('/orgs', { name: 'nul', description: 'a\u0000b' }), status: 400, code: 'bad_request' },
    {
      name: 'an unpaired surrogate in a string',
      send: () => owner.client.post(`/orgs/${orgId}/blobs`, { name: 'lone', type: 'workflow', description: 'x\ud800y' }),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'U+0000 in an object key of a JSON value',
      send: () => owner.client.put(`/blobs/${blobId}/metadata/k`, { value: { 'a\u0000': 1 } }),
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'U+0000 in an engine command parameter',
      send: () => owner.client.data(revisionId, ENGINE, 'create_session', { name: 'a\u0000' }),
      status: 400,
      code: 'bad_request',
    },
    { name: 'a malformed cursor', send: () => owner.client.get('/orgs?limit=34&cursor=%0B%C2%8E9'), status: 400, code: 'invalid_cursor' },
    {
      name: 'a cursor that decodes to no id',
      send: () => owner.client.get(`/orgs/${orgId}/blobs?cursor=${Buffer.from("x' or 1=1").toString('base64url')}`),
      status: 400,
      code: 'invalid_cursor',
    },
    {
      name: 'a revision cursor that is not a number',
      send: () => owner.client.get(`/blobs/${blobId}/revisions?cursor=${Buffer.from('blb_x').toString('base64url')}`),
      status: 400,
      code: 'invalid_cursor',
    },
    {
      name: 'a number cursor beyond PostgreSQL integers (was a 500)',
      send: () => owner.client.get(`/blobs/${blobId}/revisions?cursor=180044160831103`),
      status: 400,
      code: 'invalid_cursor',
    },
    {
      name: 'a cursor of the wrong form for a numbered list',
      send: () => owner.client.get(`/blobs/${blobId}/revisions?cursor=${orgId}`),
      status: 400,
      code: 'invalid_cursor',
    },
    // Credentials: an invalid one in any header is refused, even next to a valid one.
    {
      name: 'a valid token next to a bogus X-API-Key',
      send: () => owner.client.request('POST', '/orgs', { name: 'two-creds' }, { 'x-api-key': 'bhk_bogus' }),
      status: 401,
      code: 'unauthenticated',
    },
    {
      name: 'a valid API key next to a bogus bearer token',
      send: () => p.admin.request('POST', '/orgs', { name: 'two-creds' }, { authorization: 'Bearer not-a-token' }),
      status: 401,
      code: 'unauthenticated',
    },
    {
      name: 'an Authorization header of another scheme',
      send: () => p.admin.request('POST', '/orgs', { name: 'basic' }, { authorization: 'Basic YTpi' }),
      status: 401,
      code: 'unauthenticated',
    },
    { name: 'no credential on a route that needs one', send: () => p.anonymous.post('/orgs', { name: 'anon' }), status: 401, code: 'unauthenticated' },
    {
      name: 'a public read with a bogus credential',
      send: () => p.anonymous.request('GET', `/blobs/${blobId}`, undefined, { 'x-api-key': 'bhk_bogus' }),
      status: 401,
      code: 'unauthenticated',
    },
    // A target id of another kind than its target names nothing there (the document allows any id or name).
    { name: 'a name where a blob id belongs under /blobs/…/members', send: () => owner.client.get('/blobs/notes/members'), status: 404, code: 'not_found' },
    { name: 'an org id as a revision target', send: () => owner.client.put(`/revisions/${orgId}/metadata/k`, { value: 1 }), status: 404, code: 'not_found' },
    {
      name: 'demoting the last org admin',
      send: () => owner.client.patch(`/orgs/${orgId}/members/${owner.id}`, { role: 'read' }),
      status: 409,
      code: 'conflict',
    },
  ];

  it.each(cases)('answers $name with $status $code and changes nothing', async ({ send, status, code }) => {
    const before = await coreRows();
    const res = await send();
    expectError(res, status, code);
    expect(typeof res.body.message).toBe('string');
    expect(await coreRows()).toEqual(before);
  });

  it('puts zod issues into details and never leaks internals', async () => {
    const res = await owner.client.post(`/orgs/${orgId}/blobs`, { name: 'x', type: 'video' });
    expect(res.body.details).toEqual([expect.objectContaining({ path: ['type'] })]);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|node_modules|select /i);
  });

  it('accepts a POST without a body and without a content type', async () => {
    const blob = (await owner.client.post(`/orgs/${orgId}/blobs`, { name: 'bodiless', type: 'workflow' })).body;
    const res = await fetch(`${p.url}/v1/revisions/${blob.revision.id}/commit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.client.auth.token}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { revision: { phase: string } }).revision.phase).toBe('commit');
  });

  it('names the field that holds unstorable text', async () => {
    const res = await owner.client.post(`/orgs/${orgId}/blobs`, { name: 'lone', type: 'workflow', description: 'x\u0000' });
    expect(res.body.error.message ?? res.body.message).toContain('description');
  });

  it('serves lists whatever the query parameter names (__proto__, toString, constructor, non-UTF-8)', async () => {
    for (const query of ['__proto__=', 'toString=1', 'constructor=x&constructor=y', '%FF%FE=1']) {
      const res = await owner.client.get(`/orgs?${query}`);
      expect([res.status, res.body.orgs?.length], query).toEqual([200, 1]);
    }
  });

  it('answers a declared 10 GB body with 413 from the headers alone, then closes the connection', async () => {
    for (const path of ['/v1/orgs', '/trpc/orgs.create']) {
      const { port } = new URL(p.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      // the headers only: not one byte of the declared body is ever sent
      socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n`);
      await closed;
      expect(received, path).toMatch(/^HTTP\/1\.1 413 /);
      expect(received, path).toContain('payload_too_large');
    }
  });

  it('answers JSON nested 10,000 deep with 400 on every kind of route, and the process keeps serving', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const routes: [string, string, string][] = [
      ['POST', '/orgs', `{"name":"deep","description":${deep}}`],
      ['PATCH', `/blobs/${blobId}`, `{"description":${deep}}`],
      ['POST', `/revisions/${revisionId}/data`, `{"engine":"${ENGINE}","command":"upload_definition","alias":"deep","definition":${deep}}`],
      ['POST', `/revisions/${revisionId}/data/query`, `{"engine":"${ENGINE}","command":"list_definitions","x":${deep}}`],
    ];
    for (const [method, path, body] of routes) {
      const res = await rawRequest(method, path, body);
      expectError(res, 400, 'bad_request');
      expect(JSON.stringify(res.body), path).toContain('nested deeper than');
    }
    expect((await owner.client.get('/orgs')).status).toBe(200);
  });

  it('answers a command named after an Object.prototype member (constructor, __proto__, toString) with 400 on every data route', async () => {
    for (const command of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      for (const route of ['data', 'data/query']) {
        const res = await owner.client.post(`/revisions/${revisionId}/${route}`, { engine: ENGINE, command });
        expectError(res, 400, 'bad_request');
        expect(JSON.stringify(res.body), `${route} ${command}`).toContain(`no command ${command}`);
      }
    }
  });

  it('answers a method a route does not declare with 405 and the methods it does', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/orgs', 'GET, POST'],
      ['POST', `/blobs/${blobId}`, 'DELETE, GET, PATCH'],
      ['DELETE', '/users/me', 'GET'],
    ] as const) {
      const before = await coreRows();
      const res = await owner.client.request(method, path);
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(await coreRows()).toEqual(before);
    }
  });

  it('continues after any cursor of the documented form, given out or not', async () => {
    await owner.client.post(`/orgs/${orgId}/blobs`, { name: 'second', type: 'workflow' });
    const listed = await owner.client.get(`/orgs/${orgId}/blobs?limit=1`);
    expect(listed.body.cursor).toMatch(/^blb_[0-9a-z]{26}$/);
    const next = await owner.client.get(`/orgs/${orgId}/blobs?limit=1&cursor=${listed.body.cursor}`);
    expect(next.body.blobs.map((b: { id: string }) => b.id)).not.toContain(listed.body.blobs[0].id);
    for (const path of [`/orgs?cursor=org_${'z'.repeat(26)}`, '/orgs?cursor=123', `/blobs/${blobId}/revisions?cursor=999999999`]) {
      const res = await owner.client.get(path);
      expect(res.status, path).toBe(200);
    }
  });

  it('accepts application/json with a charset parameter', async () => {
    const res = await rawRequest('POST', '/orgs', JSON.stringify({ name: 'charset-ok' }), 'application/json; charset=utf-8');
    expect(res.status).toBe(200);
  });
});

describe('revision lifecycle invariants', () => {
  // Real content: workflow definitions, the workflow engine's part of a revision.
  const callsHelper = definition(
    [comp('s', 'flow.start'), comp('sub', 'flow.subworkflow', { alias: 'helper' }), comp('e', 'flow.end')],
    [flow('s', 'sub'), flow('sub', 'e')],
  );
  const defineOn = (revision: string, alias: string, def: unknown = fibonacciDefinition()) =>
    owner.client.data(revision, ENGINE, 'upload_definition', { alias, definition: def });
  const aliasesOf = async (revision: string) =>
    ((await owner.client.data(revision, ENGINE, 'list_definitions')).body.definitions as { alias: string }[]).map((d) => d.alias).sort();

  it('edits a draft, refuses an invalid commit, then freezes the content for every route', async () => {
    expect((await defineOn(revisionId, 'main', callsHelper)).status).toBe(200);
    const beforeCommit = await coreRows();
    const refused = await owner.client.post(`/revisions/${revisionId}/commit`);
    expectError(refused, 400, 'bad_request');
    expect(JSON.stringify(refused.body.details)).toContain('helper');
    expect(await coreRows()).toEqual(beforeCommit);

    expect((await defineOn(revisionId, 'helper')).status).toBe(200);
    const committed = await owner.client.post(`/revisions/${revisionId}/commit`);
    expect(committed.body.revision).toMatchObject({ phase: 'commit', content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const frozen = await coreRows();
    for (const path of ['data', 'data/command']) {
      const body = { engine: ENGINE, command: 'upload_definition', alias: 'late', definition: fibonacciDefinition() };
      expectError(await owner.client.post(`/revisions/${revisionId}/${path}`, body), 409, 'conflict');
    }
    expectError(await owner.client.data(revisionId, ENGINE, 'delete_definition', { alias: 'helper' }), 409, 'conflict');
    expectError(await owner.client.delete(`/revisions/${revisionId}`), 409, 'conflict');
    expectError(await owner.client.post(`/revisions/${revisionId}/commit`), 409, 'conflict');
    expect(await coreRows()).toEqual(frozen);
    expect(await aliasesOf(revisionId)).toEqual(['helper', 'main']);

    const snap = await owner.client.post(`/revisions/${revisionId}/snapshot`);
    expect(snap.body.revision.phase).toBe('snapshot');
    expectError(await owner.client.post(`/revisions/${revisionId}/snapshot`), 409, 'conflict');
    expectError(await defineOn(revisionId, 'late'), 409, 'conflict');
    expectError(await owner.client.delete(`/revisions/${revisionId}`), 409, 'conflict');
    expect((await owner.client.get(`/blobs/${blobId}`)).body.blob.latest_snapshot_id).toBe(revisionId);
    expect(await aliasesOf(revisionId)).toEqual(['helper', 'main']);
  });

  it('opens a new draft as a copy of its parent, editable without touching the parent', async () => {
    const draft = (await owner.client.post(`/blobs/${blobId}/revisions`, {})).body.revision;
    expect(draft).toMatchObject({ number: 2, phase: 'draft', parent_revision_id: revisionId });
    expect(await aliasesOf(draft.id)).toEqual(['helper', 'main']);
    expect((await defineOn(draft.id, 'extra')).status).toBe(200);
    expect(await aliasesOf(draft.id)).toEqual(['extra', 'helper', 'main']);
    expect(await aliasesOf(revisionId)).toEqual(['helper', 'main']);

    // a draft can be deleted; then a draft from an explicit revision can be opened again
    expect((await owner.client.delete(`/revisions/${draft.id}`)).status).toBe(200);
    expect((await owner.client.get(`/blobs/${blobId}`)).body.blob.latest_revision_id).toBe(revisionId);
    const again = (await owner.client.post(`/blobs/${blobId}/revisions`, { from_revision_id: revisionId })).body.revision;
    expect(again).toMatchObject({ number: 2, parent_revision_id: revisionId });
    expect(await aliasesOf(again.id)).toEqual(['helper', 'main']);
  });

  it('allows only one open draft even when two are requested at once', async () => {
    const blob = (await owner.client.post(`/orgs/${orgId}/blobs`, { name: 'race', type: 'workflow' })).body;
    await owner.client.post(`/revisions/${blob.revision.id}/commit`);
    const results = await Promise.all([1, 2, 3].map(() => owner.client.post(`/blobs/${blob.blob.id}/revisions`, {})));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const drafts = (await owner.client.get(`/blobs/${blob.blob.id}/revisions`)).body.revisions.filter((r: { phase: string }) => r.phase === 'draft');
    expect(drafts).toHaveLength(1);
  });
});
