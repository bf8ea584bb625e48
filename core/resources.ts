/** Loading orgs, blobs and revisions by id or name, with the access check in the same step. */
import { and, eq, or } from 'drizzle-orm';
import type { Db } from '../db/client';
import { blobs, members, orgs, revisions } from '../db/schema';
import { authorize, userIdOf, type Action, type Caller, type Role } from './access';
import { firstOr, notFound } from './errors';
import { hasPrefix } from './ids';

export async function findOrg(db: Db, idOrName: string) {
  const column = hasPrefix(idOrName, 'org') ? orgs.id : orgs.name;
  const [org] = await db.select().from(orgs).where(eq(column, idOrName));
  if (!org) throw notFound('organization');
  return org;
}

export async function requireOrg(db: Db, caller: Caller, idOrName: string, action: Action) {
  const org = await findOrg(db, idOrName);
  const role = await authorize(db, caller, { type: 'org', org }, action);
  return { org, role };
}

async function blobWhere(db: Db, blobId: string, orgIdOrName?: string) {
  // BlobHub's CLI names a blob by id alone as /blobs/{blob_id}/{blob_id}.
  if (!orgIdOrName || (orgIdOrName === blobId && hasPrefix(blobId, 'blob'))) return eq(blobs.id, blobId);
  const org = await findOrg(db, orgIdOrName);
  return and(eq(blobs.orgId, org.id), hasPrefix(blobId, 'blob') ? eq(blobs.id, blobId) : eq(blobs.name, blobId));
}

/** The caller's org and blob membership rows, joined to the blob so one query loads and authorizes. */
function callerMemberships(caller: Caller) {
  return and(
    eq(members.userId, userIdOf(caller) ?? ''),
    or(and(eq(members.targetType, 'org'), eq(members.targetId, blobs.orgId)), and(eq(members.targetType, 'blob'), eq(members.targetId, blobs.id))),
  );
}

const rolesOf = (rows: { role: Role | null }[]) => rows.flatMap((r) => (r.role ? [r.role] : []));

export async function requireBlob(db: Db, caller: Caller, blobId: string, action: Action, orgIdOrName?: string) {
  const rows = await db
    .select({ blob: blobs, role: members.role })
    .from(blobs)
    .leftJoin(members, callerMemberships(caller))
    .where(await blobWhere(db, blobId, orgIdOrName));
  const { blob } = firstOr(rows, () => notFound('blob'));
  const role: Role = await authorize(db, caller, { type: 'blob', blob }, action, rolesOf(rows));
  return { blob, role };
}

/**
 * A revision with its blob, loaded once with the caller's memberships; `authorize` checks an action
 * on it without loading it again.
 */
export async function loadRevision(db: Db, caller: Caller, revisionId: string) {
  const rows = await db
    .select({ revision: revisions, blob: blobs, role: members.role })
    .from(revisions)
    .innerJoin(blobs, eq(blobs.id, revisions.blobId))
    .leftJoin(members, callerMemberships(caller))
    .where(eq(revisions.id, revisionId));
  const { revision, blob } = firstOr(rows, () => notFound('revision'));
  const memberships = rolesOf(rows);
  return { revision, blob, authorize: (action: Action) => authorize(db, caller, { type: 'blob', blob }, action, memberships) };
}

export async function requireRevision(db: Db, caller: Caller, revisionId: string, action: Action) {
  const { revision, blob, authorize } = await loadRevision(db, caller, revisionId);
  return { revision, blob, role: await authorize(action) };
}
