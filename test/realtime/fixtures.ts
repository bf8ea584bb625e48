/** Orgs, workflow revisions, sessions and keys for the realtime tests. */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { sha256Hex } from '../../core/crypto';
import { newId } from '../../core/ids';
import { apiKeys, executions, sessions, users } from '../../db/schema';
import type { TestPlatform } from '../support/platform';
import { theRow } from '../../core/errors';

export interface WorkflowRevision {
  orgId: string;
  blobId: string;
  revisionId: string;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;

/** An org with a private workflow blob and its first (draft) revision, over REST. */
export async function workflowRevision(p: TestPlatform, visibility: 'private' | 'public' = 'private'): Promise<WorkflowRevision> {
  const org = await p.admin.post('/orgs', { name: unique('org') });
  expect(org.status).toBe(200);
  const blob = await p.admin.post(`/orgs/${org.body.org.id}/blobs`, { name: unique('flow'), type: 'workflow', visibility });
  expect(blob.status).toBe(200);
  return { orgId: org.body.org.id, blobId: blob.body.blob.id, revisionId: blob.body.revision.id };
}

/** A session row, as the workflow engine's create_session writes it. */
export async function createSession(p: TestPlatform, revisionId: string): Promise<string> {
  const id = newId('session');
  await p.app.db.insert(sessions).values({ id, revisionId });
  return id;
}

export async function createExecution(p: TestPlatform, revisionId: string, sessionId: string): Promise<string> {
  const id = newId('execution');
  await p.app.db.insert(executions).values({ id, sessionId, revisionId, definitionId: newId('definition'), alias: 'main', definitionHash: 'test' });
  return id;
}

/** Records an execution event the way the engine does (durable insert, then NOTIFY). */
export function emitSessionEvent(
  p: TestPlatform,
  rev: WorkflowRevision,
  sessionId: string,
  opts: { type?: string; executionId?: string; data?: unknown } = {},
) {
  return p.app.emit({
    type: opts.type ?? 'processor.output',
    orgId: rev.orgId,
    blobId: rev.blobId,
    revisionId: rev.revisionId,
    sessionId,
    executionId: opts.executionId,
    data: opts.data,
  });
}

/** A personal API key for the instance admin, stored as the keys API stores one (hash only). */
export async function adminApiKey(p: TestPlatform, role: 'read' | 'write' = 'read'): Promise<{ id: string; secret: string }> {
  const admin = await p.app.db.select().from(users).where(eq(users.email, 'admin@example.com')).then(theRow);
  const secret = `bhk_${randomBytes(24).toString('base64url')}`;
  const id = newId('apiKey');
  await p.app.db
    .insert(apiKeys)
    .values({ id, targetType: 'user', targetId: admin.id, userId: admin.id, role, prefix: secret.slice(0, 8), secretHash: sha256Hex(secret) });
  return { id, secret };
}

export async function revokeApiKey(p: TestPlatform, id: string) {
  await p.app.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id));
}

export async function login(p: TestPlatform, email: string, password: string): Promise<string> {
  const res = await p.anonymous.post('/auth/login', { email, password });
  expect(res.status).toBe(200);
  return res.body.access_token;
}

/** A second user with no membership anywhere, signed in. */
export async function outsiderToken(p: TestPlatform): Promise<string> {
  const adminToken = await login(p, 'admin@example.com', 'admin-password');
  const email = `${unique('outsider')}@example.com`;
  const created = await p.client({ token: adminToken }).post('/users', { email, name: 'Outsider', password: 'outsider-password' });
  expect(created.status).toBe(200);
  return login(p, email, 'outsider-password');
}
