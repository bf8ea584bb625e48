/**
 * Credentials: named secrets for components (an HTTP token, cloud keys). Bodies are sealed with
 * AES-256-GCM under the instance secret key and only opened inside the activity that uses them.
 *
 * Who may use one (checked at the moment of use, with the roles and keys as they are then):
 *  - a user credential: only executions started by that user, signed in or with a personal key;
 *  - an org credential: executions whose starter holds `write` on the org itself (so neither a
 *    blob-only member nor a blob-scoped key of an org admin);
 *  - a blob credential: executions whose starter holds `write` on the blob.
 * And where: only to the hosts on the credential's `allowed_hosts` list (none = nowhere).
 */
import { and, desc, eq, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { apiKeys, credentials, users } from '../db/schema';
import { roleAtLeast, roleOn, type Caller, type Resource } from './access';
import type { App } from './app';
import type { Actor } from './actor';
import { recordAudit } from './audit';
import { decrypt, encrypt } from './crypto';
import { conflict, notFound } from './errors';
import { newId } from './ids';
import { afterCursor, fetchPage } from './paging';
import type { ResolvedTarget } from './targets';

export type CredentialBody = Record<string, unknown>;
export type CredentialRow = typeof credentials.$inferSelect;

export const sealCredentialBody = (app: App, body: CredentialBody) => encrypt(app.secretKey, JSON.stringify(body));

/** `api.example.com`, `api.example.com:8443`, `*.example.com`, `127.0.0.1:8080`, `[::1]:8080`. */
export const allowedHostPattern = z
  .string()
  .max(253)
  .regex(/^(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(:\d{1,5})?$/i, 'a host name, optionally *. in front and :port behind')
  .transform((h) => h.toLowerCase());

const defaultPorts: Record<string, string> = { 'http:': '80', 'https:': '443', 'postgres:': '5432' };

/** Does the URL's host match a pattern? A pattern without a port allows the scheme's default port only. */
export function hostAllowed(patterns: string[], url: URL): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || defaultPorts[url.protocol];
  return patterns.some((pattern) => {
    const [, wildcard, name, patternPort] = /^(\*\.)?(.+?)(?::(\d+))?$/.exec(pattern)!;
    if ((patternPort ?? defaultPorts[url.protocol]) !== port) return false;
    return wildcard ? host.endsWith(`.${name}`) : host === name;
  });
}

/** Lookup order: the more specific target wins (blob, then org, then the user). */
const precedence = ['blob', 'org', 'user'] as const;

async function findCredentialRow(app: App, scope: { userId?: string | null; orgId?: string | null; blobId?: string | null; alias: string }) {
  const ids = { blob: scope.blobId, org: scope.orgId, user: scope.userId };
  const candidates = precedence.filter((type) => ids[type]).map((type) => and(eq(credentials.targetType, type), eq(credentials.targetId, ids[type]!)));
  if (candidates.length === 0) return null;
  const rows = await app.db
    .select()
    .from(credentials)
    .where(and(eq(credentials.alias, scope.alias), or(...candidates)));
  return precedence.map((type) => rows.find((r) => r.targetType === type)).find(Boolean) ?? null;
}

const open = (app: App, row: CredentialRow) => JSON.parse(decrypt(app.secretKey, row.encryptedBody)) as CredentialBody;

/**
 * Finds a credential by alias: on the blob, else its org, else the user. Returns null when none
 * of them has it. No use check: see useCredential for runs.
 */
export async function resolveCredential(
  app: App,
  scope: { userId?: string | null; orgId?: string | null; blobId?: string | null; alias: string },
): Promise<{ type: string; body: CredentialBody } | null> {
  const row = await findCredentialRow(app, scope);
  return row ? { type: row.type, body: open(app, row) } : null;
}

/** Who started an execution: the user, and the API key when one was used. */
export interface Executor {
  userId: string | null;
  keyId?: string | null;
}

/** Why a credential was not handed out; `kind` becomes the component error kind. */
export class CredentialUseError extends Error {
  constructor(
    message: string,
    readonly kind: 'credential_not_found' | 'credential_forbidden' | 'credential_host_not_allowed',
  ) {
    super(message);
  }
}

/** The executor as an access-policy caller, as of now (a revoked key or a deleted user is nobody). */
async function callerOf(app: App, executor: Executor): Promise<Caller | null> {
  if (!executor.userId) return null;
  const [user] = await app.db.select({ isInstanceAdmin: users.isInstanceAdmin }).from(users).where(eq(users.id, executor.userId));
  if (!user) return null;
  if (!executor.keyId) return { kind: 'user', userId: executor.userId, isInstanceAdmin: user.isInstanceAdmin };
  const [key] = await app.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, executor.keyId), isNull(apiKeys.revokedAt)));
  if (!key) return null;
  return {
    kind: 'key',
    userId: executor.userId,
    isInstanceAdmin: user.isInstanceAdmin,
    keyId: key.id,
    keyRole: key.role,
    keyTarget: { type: key.targetType, id: key.targetId },
  };
}

function resourceOf(row: CredentialRow, scope: { orgId: string; blobId: string }): Resource {
  if (row.targetType === 'user') return { type: 'user', userId: row.targetId };
  if (row.targetType === 'org') return { type: 'org', org: { id: row.targetId } };
  // visibility only grants reads, and using a credential needs write
  return { type: 'blob', blob: { id: row.targetId, orgId: scope.orgId, visibility: 'private' } };
}

/**
 * The credential a run may use to call `url`: found by alias (blob, org, user), allowed for the
 * executor and for the URL's host. Throws CredentialUseError otherwise. `url` is a function of the
 * body for a credential that names its own server (an SMTP relay's host).
 */
export async function useCredential(
  app: App,
  /** `url`: where it goes, or (for a credential that names its own host, e.g. a database's) how to read that from its body */
  scope: { executor: Executor; orgId: string; blobId: string; alias: string; url: URL | ((body: CredentialBody) => URL) },
): Promise<{ id: string; type: string; targetType: CredentialRow['targetType']; body: CredentialBody }> {
  const row = await findCredentialRow(app, { userId: scope.executor.userId, orgId: scope.orgId, blobId: scope.blobId, alias: scope.alias });
  if (!row) throw new CredentialUseError(`no credential with alias ${scope.alias}`, 'credential_not_found');
  const caller = await callerOf(app, scope.executor);
  const role = caller ? await roleOn(app.db, caller, resourceOf(row, scope)) : null;
  if (!roleAtLeast(role, 'write')) {
    throw new CredentialUseError(
      `the starter of this execution may not use the ${row.targetType} credential ${scope.alias} (it needs write on the ${row.targetType} itself)`,
      'credential_forbidden',
    );
  }
  const body = open(app, row);
  const url = typeof scope.url === 'function' ? scope.url(body) : scope.url;
  if (!hostAllowed(row.allowedHosts, url)) {
    throw new CredentialUseError(
      `credential ${scope.alias} may not be sent to ${url.host}: add it to the credential's allowed_hosts`,
      'credential_host_not_allowed',
    );
  }
  return { id: row.id, type: row.type, targetType: row.targetType, body };
}

const REDACTED = '[redacted]';
/** Shorter strings are not secrets worth the false positives of replacing them everywhere. */
const MIN_SECRET_LENGTH = 4;

/** Every string in a credential body and in what was derived from it (headers), longest first. */
export function secretStringsOf(...sources: unknown[]): string[] {
  const found = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.length >= MIN_SECRET_LENGTH) found.add(v);
    } else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  sources.forEach(walk);
  return [...found].sort((a, b) => b.length - a.length);
}

export function redactString(text: string, secrets: string[]): string {
  return secrets.reduce((acc, secret) => acc.split(secret).join(REDACTED), text);
}

/** A copy of a JSON value with every secret string replaced, in keys and values alike. */
export function redactSecrets<T>(value: T, secrets: string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactString(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [redactString(k, secrets), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

export interface NewCredential {
  alias: string;
  type: string;
  body: CredentialBody;
  description?: string;
  allowedHosts: string[];
}

const credentialType = (target: ResolvedTarget) => target.type as CredentialRow['targetType'];
const ofTarget = (target: ResolvedTarget) => and(eq(credentials.targetType, credentialType(target)), eq(credentials.targetId, target.id));

/** A credential's audit entry: what names and limits it, never its body. */
const auditCredential = (tx: Db, actor: Actor, target: ResolvedTarget, verb: string, row: CredentialRow) =>
  recordAudit(tx, actor, {
    orgId: target.orgId,
    action: `credential.${verb}`,
    target: { type: 'credential', id: row.id },
    changes: { on: { type: target.type, id: target.id }, alias: row.alias, type: row.type, description: row.description, allowed_hosts: row.allowedHosts },
  });

/** Stores a credential on the target with its body sealed; returns its id. */
export async function storeCredential(app: App, actor: Actor, target: ResolvedTarget, createdBy: string, input: NewCredential): Promise<string> {
  return app.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(credentials)
      .values({
        id: newId('credential'),
        targetType: credentialType(target),
        targetId: target.id,
        alias: input.alias,
        type: input.type,
        description: input.description ?? null,
        encryptedBody: sealCredentialBody(app, input.body),
        allowedHosts: input.allowedHosts,
        createdBy,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw conflict(`a credential with alias ${input.alias} already exists here`);
    await auditCredential(tx, actor, target, 'create', row);
    return row.id;
  });
}

/** One page of the target's credentials, newest first (rows: the caller shows no body). */
export function listCredentials(app: App, target: ResolvedTarget, page: { limit: number; cursor?: string }) {
  return fetchPage(page.limit, (take) =>
    app.db
      .select()
      .from(credentials)
      .where(and(ofTarget(target), afterCursor(credentials.id, page.cursor)))
      .orderBy(desc(credentials.id))
      .limit(take),
  );
}

export async function deleteCredential(app: App, actor: Actor, target: ResolvedTarget, credentialId: string): Promise<void> {
  await app.db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(credentials)
      .where(and(ofTarget(target), eq(credentials.id, credentialId)))
      .returning();
    if (!removed) throw notFound('credential');
    await auditCredential(tx, actor, target, 'delete', removed);
  });
}
