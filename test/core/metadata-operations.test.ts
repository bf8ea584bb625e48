import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperation, updateOperation } from '../../core/operations';
import { events, metadata } from '../../db/schema';
import { expectError, newUser, startWithOwnedBlob, type TestUser } from '../support/people';
import type { TestPlatform } from '../support/platform';

let p: TestPlatform;
let owner: TestUser;
let stranger: TestUser;
let orgId: string;
let blobId: string;
let revisionId: string;

beforeAll(async () => {
  let admin: TestUser;
  ({ p, admin, owner, orgId, blobId, revisionId } = await startWithOwnedBlob('meta', { name: 'm', type: 'workflow' }));
  stranger = await newUser(p, admin, 'stranger');
});
afterAll(() => p?.close());

const metadataRows = () => p.app.db.select().from(metadata).orderBy(metadata.key);

describe('metadata', () => {
  it('sets, lists, overwrites and deletes values on blobs and revisions', async () => {
    expect((await owner.client.put(`/blobs/${blobId}/metadata/license`, { value: 'mit' })).body).toEqual({ status: 'success', key: 'license', value: 'mit' });
    await owner.client.put(`/blobs/${blobId}/metadata/tags`, { value: ['a', 'b'] });
    await owner.client.put(`/blobs/${blobId}/metadata/tags`, { value: { nested: [1, 2, { x: null }] } });
    await owner.client.put(`/blobs/${blobId}/metadata/empty`, { value: null });
    expect((await owner.client.get(`/blobs/${blobId}/metadata`)).body).toEqual({
      status: 'success',
      metadata: { empty: null, license: 'mit', tags: { nested: [1, 2, { x: null }] } },
    });
    expect((await owner.client.delete(`/blobs/${blobId}/metadata/license`)).status).toBe(200);
    expectError(await owner.client.delete(`/blobs/${blobId}/metadata/license`), 404, 'not_found');

    await owner.client.put(`/revisions/${revisionId}/metadata/notes`, { value: 'first' });
    expect((await owner.client.get(`/revisions/${revisionId}/metadata`)).body.metadata).toEqual({ notes: 'first' });
    const [event] = await p.app.db
      .select()
      .from(events)
      .where(and(eq(events.type, 'metadata_updated'), eq(events.revisionId, revisionId)));
    expect(event).toMatchObject({ orgId, blobId, data: { key: 'notes', value: 'first' } });
  });

  it('is not revision content: it still changes on committed and snapshotted revisions', async () => {
    expect((await owner.client.post(`/revisions/${revisionId}/commit`)).body.revision.phase).toBe('commit');
    expect((await owner.client.put(`/revisions/${revisionId}/metadata/notes`, { value: 'after commit' })).status).toBe(200);
    await owner.client.post(`/revisions/${revisionId}/snapshot`);
    expect((await owner.client.put(`/revisions/${revisionId}/metadata/released`, { value: true })).status).toBe(200);
    expect((await owner.client.get(`/revisions/${revisionId}/metadata`)).body.metadata).toEqual({ notes: 'after commit', released: true });
  });

  it('refuses bad keys, missing and oversized values, wrong targets, and non-writers — without writing', async () => {
    const before = await metadataRows();
    expectError(await owner.client.put(`/blobs/${blobId}/metadata/Upper`, { value: 1 }), 400, 'bad_request');
    expectError(await owner.client.put(`/blobs/${blobId}/metadata/${'k'.repeat(129)}`, { value: 1 }), 400, 'bad_request');
    expectError(await owner.client.put(`/blobs/${blobId}/metadata/ok`, {}), 400, 'bad_request');
    expectError(await owner.client.put(`/blobs/${blobId}/metadata/ok`, { value: 'x'.repeat(16 * 1024) }), 400, 'bad_request');
    expectError(await owner.client.put(`/orgs/${orgId}/metadata/ok`, { value: 1 }), 400, 'bad_request');
    expectError(await owner.client.put(`/blobs/${revisionId}/metadata/ok`, { value: 1 }), 404, 'not_found');
    expectError(await stranger.client.put(`/blobs/${blobId}/metadata/ok`, { value: 1 }), 404, 'not_found');
    expectError(await p.anonymous.put(`/blobs/${blobId}/metadata/ok`, { value: 1 }), 401, 'unauthenticated');
    expectError(await stranger.client.get(`/blobs/${blobId}/metadata`), 404, 'not_found');
    expect(await metadataRows()).toEqual(before);
    // exactly at the limit is fine (16 KiB of JSON including the quotes)
    expect((await owner.client.put(`/blobs/${blobId}/metadata/big`, { value: 'x'.repeat(16 * 1024 - 2) })).status).toBe(200);
  });

  it('is readable by anyone on a public blob, writable only by writers', async () => {
    await owner.client.patch(`/blobs/${blobId}`, { visibility: 'public' });
    expect((await p.anonymous.get(`/blobs/${blobId}/metadata`)).body.metadata).toHaveProperty('tags');
    expectError(await stranger.client.put(`/blobs/${blobId}/metadata/ok`, { value: 1 }), 403, 'forbidden');
    await owner.client.patch(`/blobs/${blobId}`, { visibility: 'private' });
  });
});

describe('operations', () => {
  it('tracks asynchronous work with a status, progress, result and a core event per change', async () => {
    const op = await createOperation(p.app, { type: 'test.work', target: { type: 'revision', id: revisionId }, createdBy: owner.id });
    expect(op.id).toMatch(/^op_/);
    const pending = await owner.client.get(`/operations/${op.id}`);
    expect(pending.body.operation).toMatchObject({
      id: op.id,
      type: 'test.work',
      status: 'pending',
      progress: 0,
      target: { type: 'revision', id: revisionId },
    });

    await updateOperation(p.app, op.id, { status: 'running', progress: 0.5 });
    await updateOperation(p.app, op.id, { status: 'succeeded', progress: 1, result: { rows: 3 } });
    const done = await owner.client.get(`/operations/${op.id}`);
    expect(done.body.operation).toMatchObject({ status: 'completed', progress: 1, result: { rows: 3 }, error: null });

    const updates = await p.app.db
      .select()
      .from(events)
      .where(and(eq(events.type, 'operation_updated'), eq(events.revisionId, revisionId)))
      .orderBy(events.seq);
    expect(updates.map((e) => [e.orgId, e.blobId, (e.data as { operation: { status: string } }).operation.status])).toEqual([
      [orgId, blobId, 'running'],
      [orgId, blobId, 'succeeded'],
    ]);
  });

  it('lists operations per org, blob and revision, filtered by status, newest first', async () => {
    const onBlob = await createOperation(p.app, { type: 'test.blob', target: { type: 'blob', id: blobId }, createdBy: null });
    const failed = await createOperation(p.app, { type: 'test.blob', target: { type: 'blob', id: blobId }, createdBy: null });
    await updateOperation(p.app, failed.id, { status: 'failed', error: { message: 'boom' } });
    const onOrg = await createOperation(p.app, { type: 'test.org', target: { type: 'org', id: orgId }, createdBy: null });

    expect((await owner.client.get(`/blobs/${blobId}/operations`)).body.operations.map((o: { id: string }) => o.id)).toEqual([failed.id, onBlob.id]);
    expect((await owner.client.get(`/blobs/${blobId}/operations?status=failed`)).body.operations).toMatchObject([
      { id: failed.id, error: { message: 'boom' } },
    ]);
    expect((await owner.client.get('/orgs/meta/operations')).body.operations.map((o: { id: string }) => o.id)).toEqual([onOrg.id]);
    expect((await owner.client.get(`/revisions/${revisionId}/operations`)).body.operations).toHaveLength(1);
    const firstPage = await owner.client.get(`/blobs/${blobId}/operations?limit=1`);
    const secondPage = await owner.client.get(`/blobs/${blobId}/operations?limit=1&cursor=${firstPage.body.cursor}`);
    expect([firstPage.body.operations[0].id, secondPage.body.operations[0].id, secondPage.body.cursor]).toEqual([failed.id, onBlob.id, null]);
  });

  it('hides operations from callers who cannot read their target', async () => {
    const op = await createOperation(p.app, { type: 'test.secret', target: { type: 'blob', id: blobId }, createdBy: null });
    expectError(await stranger.client.get(`/operations/${op.id}`), 404, 'not_found');
    expectError(await p.anonymous.get(`/operations/${op.id}`), 404, 'not_found');
    expectError(await stranger.client.get(`/blobs/${blobId}/operations`), 404, 'not_found');
    expectError(await owner.client.get('/operations/op_01jz0000000000000000000000'), 404, 'not_found');
    expectError(await owner.client.get(`/operations/${blobId}`), 400, 'bad_request');
    expectError(await owner.client.get(`/users/me/operations`), 400, 'bad_request');
    expectError(await owner.client.get(`/blobs/${blobId}/operations?status=exploded`), 400, 'bad_request');
  });
});
