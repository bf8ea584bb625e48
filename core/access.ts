/**
 * The one access policy: every request's caller × resource × action is decided here.
 * Effective role = the caller's user role on the resource (org membership covers every blob in
 * the org; blob membership covers that blob), capped for API keys by the key's role and target.
 * Public blobs are readable by everyone. A caller who cannot even read a resource gets 404, so
 * that private resources do not reveal they exist.
 */
import { and, eq, or } from 'drizzle-orm';
import type { Db } from '../db/client';
import { members } from '../db/schema';
import { ApiError, forbidden, notFound, unauthenticated } from './errors';
import { addLogContext } from './log';

export type Role = 'read' | 'write' | 'admin';
export type Action = Role;

const rank: Record<Role, number> = { read: 1, write: 2, admin: 3 };

export type KeyTarget = { type: 'org' | 'blob' | 'user'; id: string };

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; isInstanceAdmin: boolean }
  | { kind: 'key'; userId: string; isInstanceAdmin: boolean; keyId: string; keyRole: Role; keyTarget: KeyTarget };

/** A caller who signed in or presented an API key. */
export type AuthedCaller = Exclude<Caller, { kind: 'anonymous' }>;

export interface OrgRef {
  id: string;
}
export interface BlobRef {
  id: string;
  orgId: string;
  visibility: 'private' | 'public';
}
/** A user is a resource for their personal things (keys, credentials): only they (and instance admins) reach it. */
export type Resource = { type: 'org'; org: OrgRef } | { type: 'blob'; blob: BlobRef } | { type: 'user'; userId: string };

export const anonymous: Caller = { kind: 'anonymous' };

export function maxRole(...candidates: (Role | null | undefined)[]): Role | null {
  let best: Role | null = null;
  for (const r of candidates) if (r && (!best || rank[r] > rank[best])) best = r;
  return best;
}

function minRole(a: Role | null, b: Role): Role | null {
  if (!a) return null;
  return rank[a] <= rank[b] ? a : b;
}

export function roleAtLeast(role: Role | null, action: Action): boolean {
  return role !== null && rank[role] >= rank[action];
}

export function userIdOf(caller: Caller): string | null {
  return caller.kind === 'anonymous' ? null : caller.userId;
}

/**
 * Instance-wide powers (creating users): an instance admin signed in, or through a personal
 * (`users`-target) key with the `admin` role; any narrower key is capped below them.
 */
export function actsAsInstanceAdmin(caller: Caller): boolean {
  if (caller.kind === 'anonymous' || !caller.isInstanceAdmin) return false;
  return caller.kind === 'user' || (caller.keyRole === 'admin' && caller.keyTarget.type === 'user');
}

/** Does an API key's target reach this resource at all? */
function keyCovers(target: KeyTarget, resource: Resource): boolean {
  if (target.type === 'user') return resource.type !== 'user' || target.id === resource.userId;
  if (resource.type === 'user') return false;
  if (resource.type === 'org') return target.type === 'org' && target.id === resource.org.id;
  return target.type === 'org' ? target.id === resource.blob.orgId : target.id === resource.blob.id;
}

async function membershipRole(db: Db, userId: string, resource: Resource): Promise<Role | null> {
  if (resource.type === 'user') return resource.userId === userId ? 'admin' : null;
  const targets =
    resource.type === 'org'
      ? [and(eq(members.targetType, 'org'), eq(members.targetId, resource.org.id))]
      : [
          and(eq(members.targetType, 'org'), eq(members.targetId, resource.blob.orgId)),
          and(eq(members.targetType, 'blob'), eq(members.targetId, resource.blob.id)),
        ];
  const rows = await db
    .select({ role: members.role })
    .from(members)
    .where(and(eq(members.userId, userId), or(...targets)));
  return maxRole(...rows.map((r) => r.role));
}

/**
 * The caller's effective role on a resource, or null when it cannot even read it. Loaders that
 * joined the caller's membership rows in already pass their roles as `memberships`.
 */
export async function roleOn(db: Db, caller: Caller, resource: Resource, memberships?: Role[]): Promise<Role | null> {
  const publicRead: Role | null = resource.type === 'blob' && resource.blob.visibility === 'public' ? 'read' : null;
  if (caller.kind === 'anonymous') return publicRead;
  const userRole = caller.isInstanceAdmin ? 'admin' : memberships ? maxRole(...memberships) : await membershipRole(db, caller.userId, resource);
  if (caller.kind === 'user') return maxRole(userRole, publicRead);
  if (!keyCovers(caller.keyTarget, resource)) return publicRead;
  return maxRole(minRole(userRole, caller.keyRole), publicRead);
}

function describe(resource: Resource): string {
  return { org: 'organization', blob: 'blob', user: 'user' }[resource.type];
}

/** Throws unless the caller may perform the action; see the module comment for 404 vs 403. */
export async function authorize(db: Db, caller: Caller, resource: Resource, action: Action, memberships?: Role[]): Promise<Role> {
  addLogContext(logContextOf(resource));
  const role = await roleOn(db, caller, resource, memberships);
  if (roleAtLeast(role, action)) return role!;
  throw denial(caller, role, describe(resource));
}

/** Every resource a request is checked against names its org (and blob) on the request's log lines. */
function logContextOf(resource: Resource) {
  if (resource.type === 'org') return { org_id: resource.org.id };
  if (resource.type === 'blob') return { org_id: resource.blob.orgId, blob_id: resource.blob.id };
  return {};
}

export function denial(caller: Caller, role: Role | null, what: string): ApiError {
  if (role === null) return notFound(what);
  if (caller.kind === 'anonymous') return unauthenticated();
  return forbidden(`this needs a higher role on the ${what}`);
}

/** Ids of orgs and blobs where the user holds any membership (for list filtering). */
export async function membershipsOf(db: Db, userId: string) {
  const rows = await db.select().from(members).where(eq(members.userId, userId));
  return {
    orgRoles: new Map(rows.filter((r) => r.targetType === 'org').map((r) => [r.targetId, r.role])),
    blobRoles: new Map(rows.filter((r) => r.targetType === 'blob').map((r) => [r.targetId, r.role])),
  };
}
