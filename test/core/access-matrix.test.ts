/**
 * The access-control matrix: every kind of caller × read/write/admin × own org / other org /
 * public blob, through real HTTP. Expected statuses are written out by hand (not recomputed
 * from the policy), so a change in the policy shows up here as a diff.
 *   200 allowed · 401 not signed in / credential refused · 403 visible but role too low ·
 *   404 cannot even read it (a 403 would reveal that the private resource exists)
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/crypto';
import { authTokens } from '../../db/schema';
import type { ApiClient, ApiResponse } from '../support/client';
import { newUser, signIn, signInAdmin } from '../support/people';
import { startTestPlatform, type TestPlatform } from '../support/platform';

type Status = 200 | 401 | 403 | 404;

const callerNames = [
  'anonymous',
  'no role',
  'org read',
  'org write',
  'org admin',
  'instance admin',
  'blob write member',
  'org key read',
  'org key write',
  'blob key write (other blob)',
  'personal key write',
  'revoked key',
  'expired token',
] as const;
type CallerName = (typeof callerNames)[number];

// Per caller: [read, write, admin] on the own org's private blob | another org's private blob | a public blob.
const blobMatrix: Record<CallerName, [Status[], Status[], Status[]]> = {
  anonymous: [
    [404, 401, 401],
    [404, 401, 401],
    [200, 401, 401],
  ],
  'no role': [
    [404, 404, 404],
    [404, 404, 404],
    [200, 403, 403],
  ],
  'org read': [
    [200, 403, 403],
    [404, 404, 404],
    [200, 403, 403],
  ],
  'org write': [
    [200, 200, 403],
    [404, 404, 404],
    [200, 403, 403],
  ],
  'org admin': [
    [200, 200, 200],
    [404, 404, 404],
    [200, 403, 403],
  ],
  'instance admin': [
    [200, 200, 200],
    [200, 200, 200],
    [200, 200, 200],
  ],
  'blob write member': [
    [200, 200, 403],
    [404, 404, 404],
    [200, 403, 403],
  ],
  'org key read': [
    [200, 403, 403],
    [404, 404, 404],
    [200, 403, 403],
  ],
  'org key write': [
    [200, 200, 403],
    [404, 404, 404],
    [200, 403, 403],
  ],
  'blob key write (other blob)': [
    [404, 404, 404],
    [404, 404, 404],
    [200, 403, 403],
  ],
  'personal key write': [
    [200, 200, 403],
    [404, 404, 404],
    [200, 403, 403],
  ],
  'revoked key': [
    [401, 401, 401],
    [401, 401, 401],
    [401, 401, 401],
  ],
  'expired token': [
    [401, 401, 401],
    [401, 401, 401],
    [401, 401, 401],
  ],
};

// Per caller: [read, write, admin] on the own org | another org.
const orgMatrix: Record<CallerName, [Status[], Status[]]> = {
  anonymous: [
    [401, 401, 401],
    [401, 401, 401],
  ],
  'no role': [
    [404, 404, 404],
    [404, 404, 404],
  ],
  'org read': [
    [200, 403, 403],
    [404, 404, 404],
  ],
  'org write': [
    [200, 200, 403],
    [404, 404, 404],
  ],
  'org admin': [
    [200, 200, 200],
    [404, 404, 404],
  ],
  'instance admin': [
    [200, 200, 200],
    [200, 200, 200],
  ],
  'blob write member': [
    [404, 404, 404],
    [404, 404, 404],
  ],
  'org key read': [
    [200, 403, 403],
    [404, 404, 404],
  ],
  'org key write': [
    [200, 200, 403],
    [404, 404, 404],
  ],
  'blob key write (other blob)': [
    [404, 404, 404],
    [404, 404, 404],
  ],
  'personal key write': [
    [200, 200, 403],
    [404, 404, 404],
  ],
  'revoked key': [
    [401, 401, 401],
    [401, 401, 401],
  ],
  'expired token': [
    [401, 401, 401],
    [401, 401, 401],
  ],
};

/** Which blobs each caller sees in the blob lists of both orgs (X, Y: own org private; P: other org private; Q: public). */
const visibleBlobs: Record<CallerName, string[] | 401> = {
  anonymous: ['Q'],
  'no role': ['Q'],
  'org read': ['X', 'Y', 'Q'],
  'org write': ['X', 'Y', 'Q'],
  'org admin': ['X', 'Y', 'Q'],
  'instance admin': ['X', 'Y', 'P', 'Q'],
  'blob write member': ['X', 'Q'],
  'org key read': ['X', 'Y', 'Q'],
  'org key write': ['X', 'Y', 'Q'],
  'blob key write (other blob)': ['Y', 'Q'],
  'personal key write': ['X', 'Y', 'Q'],
  'revoked key': 401,
  'expired token': 401,
};

let p: TestPlatform;
const callers = {} as Record<CallerName, ApiClient>;
const blobs: Record<'X' | 'Y' | 'P' | 'Q', string> = { X: '', Y: '', P: '', Q: '' };
const orgs = { own: '', other: '' };

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  const admin = await signInAdmin(p);
  const user = (name: string) => newUser(p, admin, name);
  const [orgAdmin, reader, writer, nobody, blobMember, otherOwner] = await Promise.all([
    user('org-admin'),
    user('reader'),
    user('writer'),
    user('nobody'),
    user('blob-member'),
    user('other-owner'),
  ]);
  orgs.own = (await orgAdmin.client.post('/orgs', { name: 'alpha' })).body.org.id;
  orgs.other = (await otherOwner.client.post('/orgs', { name: 'beta' })).body.org.id;
  const createBlob = async (owner: typeof orgAdmin, org: string, name: string, visibility: string) =>
    (await owner.client.post(`/orgs/${org}/blobs`, { name, type: 'workflow', visibility })).body.blob.id as string;
  blobs.X = await createBlob(orgAdmin, 'alpha', 'x', 'private');
  blobs.Y = await createBlob(orgAdmin, 'alpha', 'y', 'private');
  blobs.P = await createBlob(otherOwner, 'beta', 'p', 'private');
  blobs.Q = await createBlob(otherOwner, 'beta', 'q', 'public');
  await orgAdmin.client.post(`/orgs/${orgs.own}/members`, { user_id: reader.id, role: 'read' });
  await orgAdmin.client.post(`/orgs/${orgs.own}/members`, { user_id: writer.id, role: 'write' });
  await orgAdmin.client.post(`/blobs/${blobs.X}/members`, { user_id: blobMember.id, role: 'write' });

  const key = async (owner: typeof orgAdmin, path: string, role: string) => {
    const res = await owner.client.post(path, { role });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.api_key as { id: string; secret: string };
  };
  const revoked = await key(orgAdmin, `/orgs/${orgs.own}/api_keys`, 'write');
  await orgAdmin.client.delete(`/orgs/${orgs.own}/api_keys/${revoked.id}`);

  const expired = await signIn(p, writer.email, 'password-123');
  await p.app.db
    .update(authTokens)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(authTokens.tokenHash, sha256Hex(expired.client.auth.token!)));

  Object.assign(callers, {
    anonymous: p.anonymous,
    'no role': nobody.client,
    'org read': reader.client,
    'org write': writer.client,
    'org admin': orgAdmin.client,
    'instance admin': admin.client,
    'blob write member': blobMember.client,
    'org key read': p.client({ key: (await key(orgAdmin, `/orgs/${orgs.own}/api_keys`, 'read')).secret }),
    'org key write': p.client({ key: (await key(orgAdmin, `/orgs/${orgs.own}/api_keys`, 'write')).secret }),
    'blob key write (other blob)': p.client({ key: (await key(orgAdmin, `/blobs/${blobs.Y}/api_keys`, 'write')).secret }),
    'personal key write': p.client({ key: (await key(writer, '/users/me/api_keys', 'write')).secret }),
    'revoked key': p.client({ key: revoked.secret }),
    'expired token': expired.client,
  } satisfies Record<CallerName, ApiClient>);
});
afterAll(() => p?.close());

const actions = ['read', 'write', 'admin'] as const;
type ActionName = (typeof actions)[number];

/** One idempotent request per action class. */
const blobAction: Record<ActionName, (c: ApiClient, blobId: string) => Promise<ApiResponse>> = {
  read: (c, id) => c.get(`/blobs/${id}`),
  write: (c, id) => c.put(`/blobs/${id}/metadata/touched`, { value: true }),
  // visibility changes need admin; setting the current value keeps the matrix stable
  admin: (c, id) => c.patch(`/blobs/${id}`, { visibility: id === blobs.Q ? 'public' : 'private' }),
};

let blobCounter = 0;
const orgAction: Record<ActionName, (c: ApiClient, orgId: string) => Promise<ApiResponse>> = {
  read: (c, id) => c.get(`/orgs/${id}`),
  write: (c, id) => c.post(`/orgs/${id}/blobs`, { name: `made-${++blobCounter}`, type: 'onnx' }),
  admin: (c, id) => c.patch(`/orgs/${id}`, {}),
};

const blobCells = callerNames.flatMap((caller) =>
  (['own org', 'other org', 'public'] as const).flatMap((where, w) =>
    actions.map((action, a) => ({ caller, where, action, expected: blobMatrix[caller][w]?.[a] })),
  ),
);
const orgCells = callerNames.flatMap((caller) =>
  (['own org', 'other org'] as const).flatMap((where, w) => actions.map((action, a) => ({ caller, where, action, expected: orgMatrix[caller][w]?.[a] }))),
);

describe('blob access', () => {
  it.each(blobCells)('$caller × $action on a blob of $where → $expected', async ({ caller, where, action, expected }) => {
    const blobId = { 'own org': blobs.X, 'other org': blobs.P, public: blobs.Q }[where];
    const res = await blobAction[action](callers[caller], blobId);
    expect(res.status, JSON.stringify(res.body)).toBe(expected);
    if (expected !== 200) expect(JSON.stringify(res.body)).not.toContain(blobId);
  });
});

describe('organization access', () => {
  it.each(orgCells)('$caller × $action on $where → $expected', async ({ caller, where, action, expected }) => {
    const res = await orgAction[action](callers[caller], where === 'own org' ? orgs.own : orgs.other);
    expect(res.status, JSON.stringify(res.body)).toBe(expected);
  });
});

describe('list endpoints never leak private blobs', () => {
  it.each(callerNames.map((caller) => ({ caller, expected: visibleBlobs[caller] })))('$caller sees $expected', async ({ caller, expected }) => {
    const lists = await Promise.all(['alpha', 'beta'].map((org) => callers[caller].get(`/orgs/${org}/blobs?type=workflow`)));
    if (expected === 401) return expect(lists.map((l) => l.status)).toEqual([401, 401]);
    const seen = lists.flatMap((l) => l.body.blobs.map((b: { id: string }) => b.id));
    const names = Object.entries(blobs)
      .filter(([, id]) => seen.includes(id))
      .map(([name]) => name);
    expect(names.sort()).toEqual([...expected].sort());
    expect(seen).toHaveLength(expected.length);
  });

  it('lists only the organizations a caller belongs to', async () => {
    const orgIds = async (caller: CallerName) => (await callers[caller].get('/orgs')).body.orgs.map((o: { id: string }) => o.id);
    expect(await orgIds('org read')).toEqual([orgs.own]);
    expect(await orgIds('no role')).toEqual([]);
    expect(await orgIds('blob write member')).toEqual([]);
    expect(await orgIds('blob key write (other blob)')).toEqual([]);
    expect(await orgIds('org key read')).toEqual([orgs.own]);
  });

  it('hides members, keys and credentials of private targets from outsiders', async () => {
    for (const path of [`/orgs/${orgs.own}/members`, `/blobs/${blobs.X}/members`, `/blobs/${blobs.X}/metadata`, `/blobs/${blobs.X}/operations`]) {
      expect((await callers['no role'].get(path)).status).toBe(404);
      expect((await callers.anonymous.get(path)).status).toBe(404);
    }
    expect((await callers['no role'].get(`/orgs/${orgs.own}/api_keys`)).status).toBe(404);
    expect((await callers['no role'].get(`/orgs/${orgs.own}/credentials`)).status).toBe(404);
    expect((await callers['org read'].get(`/orgs/${orgs.own}/api_keys`)).body.api_keys).toEqual([]);
  });
});
