import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCredential } from '../../core/credentials';
import { sha256Hex } from '../../core/crypto';
import { createOperation } from '../../core/operations';
import { apiKeys, credentials, members, metadata, operations, users } from '../../db/schema';
import { expectError, newUser, startWithOwnedBlob, type TestUser } from '../support/people';
import type { TestPlatform } from '../support/platform';
import { theRow } from '../../core/errors';

let p: TestPlatform;
let admin: TestUser;
let owner: TestUser;
let other: TestUser;
let orgId: string;
let blobId: string;

beforeAll(async () => {
  ({ p, admin, owner, orgId, blobId } = await startWithOwnedBlob('team', { name: 'flow', type: 'workflow' }));
  other = await newUser(p, admin, 'other');
});
afterAll(() => p?.close());

const orgMembers = () =>
  p.app.db
    .select()
    .from(members)
    .where(and(eq(members.targetType, 'org'), eq(members.targetId, orgId)));

describe('members', () => {
  it('adds, lists, changes and removes members of an org and of a blob', async () => {
    const added = await owner.client.post(`/orgs/${orgId}/members`, { user_id: other.id, role: 'read' });
    expect(added.status).toBe(200);
    expect(added.body.member).toMatchObject({ target: 'orgs', target_id: orgId, user_id: other.id, role: 'read', name: 'other' });
    expectError(await owner.client.post(`/orgs/${orgId}/members`, { user_id: other.id, role: 'write' }), 409, 'conflict');

    const listed = await other.client.get('/orgs/team/members');
    expect(listed.body.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role]).sort()).toEqual(
      [
        [owner.id, 'admin'],
        [other.id, 'read'],
      ].sort(),
    );
    // a reader may list but not manage
    expectError(await other.client.patch(`/orgs/${orgId}/members/${other.id}`, { role: 'admin' }), 403, 'forbidden');

    const changed = await owner.client.patch(`/orgs/${orgId}/members/${other.id}`, { role: 'write' });
    expect(changed.body.member.role).toBe('write');
    expect((await owner.client.delete(`/orgs/${orgId}/members/${other.id}`)).status).toBe(200);
    expectError(await owner.client.delete(`/orgs/${orgId}/members/${other.id}`), 404, 'not_found');
    expect((await orgMembers()).map((m) => m.userId)).toEqual([owner.id]);

    const onBlob = await owner.client.post(`/blobs/${blobId}/members`, { user_id: other.id, role: 'write' });
    expect(onBlob.body.member).toMatchObject({ target: 'blobs', target_id: blobId, role: 'write' });
    expect((await other.client.get(`/blobs/${blobId}`)).status).toBe(200);
    expect((await owner.client.delete(`/blobs/${blobId}/members/${other.id}`)).status).toBe(200);
    expectError(await other.client.get(`/blobs/${blobId}`), 404, 'not_found');
  });

  it('refuses unknown users, roles and targets', async () => {
    expectError(await owner.client.post(`/orgs/${orgId}/members`, { user_id: 'usr_01jz0000000000000000000000', role: 'read' }), 404, 'not_found');
    expectError(await owner.client.post(`/orgs/${orgId}/members`, { user_id: other.id, role: 'owner' }), 400, 'bad_request');
    expectError(await owner.client.get(`/revisions/${blobId}/members`), 400, 'bad_request');
    // an id of another kind names no such target (the document allows any id or name there)
    expectError(await owner.client.get(`/blobs/${orgId}/members`), 404, 'not_found');
  });

  it('never leaves an organization without an admin, even under concurrent demotions', async () => {
    expectError(await owner.client.delete(`/orgs/${orgId}/members/${owner.id}`), 409, 'conflict');
    expectError(await owner.client.patch(`/orgs/${orgId}/members/${owner.id}`, { role: 'write' }), 409, 'conflict');

    await owner.client.post(`/orgs/${orgId}/members`, { user_id: other.id, role: 'admin' });
    const results = await Promise.all([
      owner.client.patch(`/orgs/${orgId}/members/${owner.id}`, { role: 'read' }),
      other.client.patch(`/orgs/${orgId}/members/${other.id}`, { role: 'read' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const admins = (await orgMembers()).filter((m) => m.role === 'admin');
    expect(admins).toHaveLength(1);

    // restore: the remaining admin makes the owner admin again and removes the other user
    const remaining = admins[0]!.userId === owner.id ? owner : other;
    await remaining.client.patch(`/orgs/${orgId}/members/${owner.id}`, { role: 'admin' });
    await owner.client.delete(`/orgs/${orgId}/members/${other.id}`);
    expect((await orgMembers()).map((m) => [m.userId, m.role])).toEqual([[owner.id, 'admin']]);
  });
});

describe('API keys', () => {
  it('returns the secret once, stores only its hash, lists without it and revokes at once', async () => {
    const created = await owner.client.post(`/orgs/${orgId}/api_keys`, { role: 'write', description: 'CI' });
    expect(created.status).toBe(200);
    const key = created.body.api_key;
    expect(key).toMatchObject({ role: 'write', description: 'CI', target: 'orgs', target_id: orgId, created_by: owner.id });
    expect(key.secret).toMatch(/^bhk_[A-Za-z0-9_-]{40,}$/);
    expect(key.prefix).toBe(key.secret.slice(0, 12));

    const row = await p.app.db.select().from(apiKeys).where(eq(apiKeys.id, key.id)).then(theRow);
    expect(row.secretHash).toBe(sha256Hex(key.secret));
    expect(JSON.stringify(row)).not.toContain(key.secret);

    const listed = await owner.client.get(`/orgs/${orgId}/api_keys`);
    expect(listed.body.api_keys.map((k: { id: string }) => k.id)).toContain(key.id);
    expect(JSON.stringify(listed.body)).not.toContain(key.secret);
    expect(listed.body.api_keys.every((k: object) => !('secret' in k))).toBe(true);

    const viaKey = p.client({ key: key.secret });
    expect((await viaKey.get('/users/me')).body.user_id).toBe(owner.id);
    expect((await viaKey.post('/orgs/team/blobs', { name: 'from-key', type: 'workflow' })).status).toBe(200);
    // a key acts below admin: it cannot mint further keys
    expectError(await viaKey.post(`/orgs/${orgId}/api_keys`, { role: 'read' }), 403, 'forbidden');

    expect((await owner.client.delete(`/orgs/${orgId}/api_keys/${key.id}`)).status).toBe(200);
    expectError(await viaKey.get('/users/me'), 401, 'unauthenticated');
    expect((await owner.client.get(`/orgs/${orgId}/api_keys`)).body.api_keys.map((k: { id: string }) => k.id)).not.toContain(key.id);
    expectError(await owner.client.delete(`/orgs/${orgId}/api_keys/${key.id}`), 404, 'not_found');
  });

  it('makes personal keys for yourself only, and shows non-admins only their own keys', async () => {
    const mine = await other.client.post('/users/me/api_keys', { role: 'read' });
    expect(mine.body.api_key).toMatchObject({ target: 'users', target_id: other.id, role: 'read' });
    expectError(await other.client.post(`/users/${owner.id}/api_keys`, { role: 'read' }), 404, 'not_found');
    expect((await admin.client.get(`/users/${other.id}/api_keys`)).body.api_keys).toHaveLength(1);
    // an instance admin may issue a personal key for someone; it acts as that user
    const issued = (await admin.client.post(`/users/${other.id}/api_keys`, { role: 'read' })).body.api_key;
    expect((await p.client({ key: issued.secret }).get('/users/me')).body.user_id).toBe(other.id);
    await admin.client.delete(`/users/${other.id}/api_keys/${issued.id}`);

    await owner.client.post(`/blobs/${blobId}/members`, { user_id: other.id, role: 'admin' });
    const otherKey = (await other.client.post(`/blobs/${blobId}/api_keys`, { role: 'read' })).body.api_key;
    const ownerKey = (await owner.client.post(`/blobs/${blobId}/api_keys`, { role: 'read' })).body.api_key;
    await owner.client.patch(`/blobs/${blobId}/members/${other.id}`, { role: 'read' });
    const seenByOther = (await other.client.get(`/blobs/${blobId}/api_keys`)).body.api_keys.map((k: { id: string }) => k.id);
    expect(seenByOther).toEqual([otherKey.id]);
    expectError(await other.client.delete(`/blobs/${blobId}/api_keys/${ownerKey.id}`), 404, 'not_found');
    expect((await other.client.delete(`/blobs/${blobId}/api_keys/${otherKey.id}`)).status).toBe(200);
    expectError(await other.client.post(`/blobs/${blobId}/api_keys`, { role: 'read' }), 403, 'forbidden');
    expectError(await other.client.post('/users/me/api_keys', { role: 'owner' }), 400, 'bad_request');
  });

  it('with role admin act with their creator’s full rights on their target', async () => {
    const newcomer = () => ({
      email: `made-${process.pid}-${Math.random().toString(36).slice(2)}@example.com`,
      name: 'made by a key',
      password: 'password-123',
    });
    // the bootstrap key is a personal admin key of the instance admin: it creates users
    expect((await p.admin.post('/users', newcomer())).status).toBe(200);
    const personalWrite = (await admin.client.post('/users/me/api_keys', { role: 'write' })).body.api_key;
    expectError(await p.client({ key: personalWrite.secret }).post('/users', newcomer()), 403, 'forbidden');

    const orgAdmin = (await owner.client.post(`/orgs/${orgId}/api_keys`, { role: 'admin' })).body.api_key;
    expect(orgAdmin).toMatchObject({ role: 'admin', target: 'orgs' });
    const viaAdminKey = p.client({ key: orgAdmin.secret });
    expect((await viaAdminKey.post(`/orgs/${orgId}/members`, { user_id: other.id, role: 'read' })).status).toBe(200);
    expect((await viaAdminKey.delete(`/orgs/${orgId}/members/${other.id}`)).status).toBe(200);
    const minted = await viaAdminKey.post(`/orgs/${orgId}/api_keys`, { role: 'read' });
    expect(minted.status).toBe(200);
    const credential = await viaAdminKey.post(`/orgs/${orgId}/credentials`, { alias: 'from-admin-key', type: 'http_bearer', body: { token: 't' } });
    expect(credential.status).toBe(200);
    // full rights of its creator, not more: the owner is no instance admin, and the key reaches only its org
    expectError(await viaAdminKey.post('/users', newcomer()), 403, 'forbidden');
    expectError(await viaAdminKey.post(`/users/${owner.id}/api_keys`, { role: 'read' }), 404, 'not_found');
    await owner.client.delete(`/orgs/${orgId}/credentials/${credential.body.credential_id}`);
    await owner.client.delete(`/orgs/${orgId}/api_keys/${minted.body.api_key.id}`);
    await owner.client.delete(`/orgs/${orgId}/api_keys/${orgAdmin.id}`);
  });

  it('create organizations only when they are personal admin keys', async () => {
    const scoped = [
      (await owner.client.post(`/orgs/${orgId}/api_keys`, { role: 'admin' })).body.api_key,
      (await owner.client.post(`/blobs/${blobId}/api_keys`, { role: 'read' })).body.api_key,
      (await owner.client.post('/users/me/api_keys', { role: 'write' })).body.api_key,
    ];
    for (const [i, key] of scoped.entries()) {
      expectError(await p.client({ key: key.secret }).post('/orgs', { name: `by-scoped-key-${i}` }), 403, 'forbidden');
    }
    const personalAdmin = (await owner.client.post('/users/me/api_keys', { role: 'admin' })).body.api_key;
    const made = await p.client({ key: personalAdmin.secret }).post('/orgs', { name: 'by-personal-admin-key' });
    expect(made.status).toBe(200);
    expect((await owner.client.get('/orgs/by-personal-admin-key')).status).toBe(200);
  });
});

describe('credentials', () => {
  it('stores the body encrypted, never returns it, and keeps aliases unique per target', async () => {
    const body = { token: 'super-secret-token-value' };
    const created = await owner.client.post(`/orgs/${orgId}/credentials`, { alias: 'github', type: 'http_bearer', body, description: 'CI token' });
    expect(created.status).toBe(200);
    expect(created.body.credential_id).toMatch(/^crd_/);

    const row = await p.app.db.select().from(credentials).where(eq(credentials.id, created.body.credential_id)).then(theRow);
    expect(row.encryptedBody).not.toContain('super-secret');
    expect(Buffer.from(row.encryptedBody, 'base64').toString('latin1')).not.toContain('super-secret');

    const listed = await owner.client.get(`/orgs/${orgId}/credentials`);
    expect(listed.body.credentials).toEqual([
      { id: created.body.credential_id, alias: 'github', type: 'http_bearer', description: 'CI token', allowed_hosts: [], created_at: expect.any(String) },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain('super-secret');

    expectError(await owner.client.post(`/orgs/${orgId}/credentials`, { alias: 'github', type: 'http_bearer', body }), 409, 'conflict');
    expect(await p.app.db.select().from(credentials).where(eq(credentials.alias, 'github'))).toHaveLength(1);
    // the same alias on another target is fine
    expect((await owner.client.post(`/blobs/${blobId}/credentials`, { alias: 'github', type: 'http_bearer', body: { token: 'blob-token' } })).status).toBe(200);
    expect((await owner.client.post('/users/me/credentials', { alias: 'github', type: 'http_bearer', body: { token: 'user-token' } })).status).toBe(200);
  });

  it('resolves an alias on the blob first, then the org, then the user', async () => {
    const scope = { userId: owner.id, orgId, blobId };
    expect(await resolveCredential(p.app, { ...scope, alias: 'github' })).toEqual({ type: 'http_bearer', body: { token: 'blob-token' } });
    expect(await resolveCredential(p.app, { ...scope, blobId: null, alias: 'github' })).toEqual({
      type: 'http_bearer',
      body: { token: 'super-secret-token-value' },
    });
    expect(await resolveCredential(p.app, { userId: owner.id, alias: 'github' })).toEqual({ type: 'http_bearer', body: { token: 'user-token' } });
    expect(await resolveCredential(p.app, { ...scope, alias: 'missing' })).toBeNull();
  });

  it('lets only admins manage and writers list; readers and strangers get 403 and 404', async () => {
    await owner.client.post(`/orgs/${orgId}/members`, { user_id: other.id, role: 'read' });
    expectError(await other.client.get(`/orgs/${orgId}/credentials`), 403, 'forbidden');
    await owner.client.patch(`/orgs/${orgId}/members/${other.id}`, { role: 'write' });
    expect((await other.client.get(`/orgs/${orgId}/credentials`)).status).toBe(200);
    expectError(await other.client.post(`/orgs/${orgId}/credentials`, { alias: 'x', type: 'api_key', body: { k: 1 } }), 403, 'forbidden');
    const id = (await owner.client.get(`/orgs/${orgId}/credentials`)).body.credentials[0].id;
    expectError(await other.client.delete(`/orgs/${orgId}/credentials/${id}`), 403, 'forbidden');
    await owner.client.delete(`/orgs/${orgId}/members/${other.id}`);
    expectError(await other.client.get(`/orgs/${orgId}/credentials`), 404, 'not_found');
    expectError(await other.client.get(`/users/${owner.id}/credentials`), 404, 'not_found');

    expect((await owner.client.delete(`/orgs/${orgId}/credentials/${id}`)).status).toBe(200);
    expectError(await owner.client.delete(`/orgs/${orgId}/credentials/${id}`), 404, 'not_found');
  });

  it('refuses bad aliases, non-object bodies and oversized bodies without writing', async () => {
    const before = await p.app.db.select().from(credentials);
    expectError(await owner.client.post('/users/me/credentials', { alias: 'bad alias!', type: 'x', body: {} }), 400, 'bad_request');
    expectError(await owner.client.post('/users/me/credentials', { alias: 'ok', type: 'x', body: 'a string' }), 400, 'bad_request');
    expectError(await owner.client.post('/users/me/credentials', { alias: 'ok', type: 'x', body: { v: 'x'.repeat(20_000) } }), 400, 'bad_request');
    expect(await p.app.db.select().from(credentials)).toEqual(before);
  });
});

describe('security at rest', () => {
  it('keeps passwords as scrypt hashes', async () => {
    const row = await p.app.db.select().from(users).where(eq(users.id, other.id)).then(theRow);
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(row.passwordHash).not.toContain('password-123');
  });
});

describe('deleting an org or a blob', () => {
  it('removes its members, keys, credentials, metadata and operations, so its keys stop working', async () => {
    const org = (await owner.client.post('/orgs', { name: 'doomed' })).body.org.id;
    const created = (await owner.client.post('/orgs/doomed/blobs', { name: 'gone', type: 'workflow' })).body;
    const [blob, revision] = [created.blob.id, created.revision.id];
    await owner.client.post(`/blobs/${blob}/members`, { user_id: other.id, role: 'read' });
    await owner.client.post(`/orgs/${org}/members`, { user_id: other.id, role: 'read' });
    const blobKey = (await owner.client.post(`/blobs/${blob}/api_keys`, { role: 'read' })).body.api_key.secret;
    const orgKey = (await owner.client.post(`/orgs/${org}/api_keys`, { role: 'read' })).body.api_key.secret;
    await owner.client.post(`/blobs/${blob}/credentials`, { alias: 'a', type: 't', body: { s: 1 } });
    await owner.client.post(`/orgs/${org}/credentials`, { alias: 'a', type: 't', body: { s: 1 } });
    await owner.client.put(`/blobs/${blob}/metadata/k`, { value: 1 });
    await owner.client.put(`/revisions/${revision}/metadata/k`, { value: 1 });
    await createOperation(p.app, { type: 'test', target: { type: 'revision', id: revision }, createdBy: null });
    await createOperation(p.app, { type: 'test', target: { type: 'org', id: org }, createdBy: null });
    const attached = async (ids: string[]) =>
      (await Promise.all([members, apiKeys, credentials, metadata, operations].map((t) => p.app.db.select().from(t)))).map(
        (rows) => rows.filter((r) => ids.includes(r.targetId)).length,
      );

    expect((await p.client({ key: blobKey }).get(`/blobs/${blob}`)).status).toBe(200);
    expect((await owner.client.delete(`/blobs/${blob}`)).status).toBe(200);
    expect(await attached([blob, revision])).toEqual([0, 0, 0, 0, 0]);
    expect((await p.client({ key: blobKey }).get('/users/me')).status).toBe(401);
    expect(await attached([org])).toEqual([2, 1, 1, 0, 1]);

    expect((await owner.client.delete(`/orgs/${org}`)).status).toBe(200);
    expect(await attached([org])).toEqual([0, 0, 0, 0, 0]);
    expect((await p.client({ key: orgKey }).get('/users/me')).status).toBe(401);
  });
});
