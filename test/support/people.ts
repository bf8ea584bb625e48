/** Signed-in users for tests, made through the real API (login, POST /users). */
import { errorCode } from './client';
import { expect } from 'vitest';
import type { ApiClient } from './client';
import { startTestPlatform, type TestPlatform } from './platform';

export interface TestUser {
  id: string;
  email: string;
  client: ApiClient;
}

export async function signIn(p: TestPlatform, email: string, password: string): Promise<TestUser> {
  const res = await p.anonymous.post('/auth/login', { email, password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { id: res.body.user.id, email, client: p.client({ token: res.body.access_token }) };
}

/** The bootstrapped instance admin with a user session (API keys are capped below admin). */
export const signInAdmin = (p: TestPlatform) => signIn(p, p.env.BLOBHUB_ADMIN_EMAIL, p.env.BLOBHUB_ADMIN_PASSWORD);

let counter = 0;

/** A new user created by the instance admin, signed in. */
export async function newUser(p: TestPlatform, admin: TestUser, name = 'user'): Promise<TestUser> {
  const email = `${name}-${process.pid}-${++counter}@example.com`;
  const created = await admin.client.post('/users', { email, name, password: 'password-123' });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return signIn(p, email, 'password-123');
}

/** Asserts a SPEC error response. */
export function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect({ status: res.status, code: errorCode(res) }, JSON.stringify(res.body)).toEqual({ status, code });
}

export interface OwnerFixture {
  p: TestPlatform;
  admin: TestUser;
  owner: TestUser;
  orgId: string;
  blobId: string;
  revisionId: string;
}

/** A platform without a worker, where a new user owns an org with one private blob (and its first draft). */
export async function startWithOwnedBlob(org: string, blob: { name: string; type: string }): Promise<OwnerFixture> {
  const p = await startTestPlatform({ worker: false });
  const admin = await signInAdmin(p);
  const owner = await newUser(p, admin, 'owner');
  const orgId = (await owner.client.post('/orgs', { name: org })).body.org.id;
  const created = await owner.client.post(`/orgs/${org}/blobs`, blob);
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return { p, admin, owner, orgId, blobId: created.body.blob.id, revisionId: created.body.revision.id };
}
