/** Loading orgs, blobs and revisions by id or name, with the access check in the same step. */
import { and, eq, or, sql, type Placeholder } from 'drizzle-orm';
import type { Db } from '../db/client';
import { preparedPerDb } from '../db/prepared';
import { blobs, members, orgs, revisions } from '../db/schema';
import { authorize, userIdOf, type Action, type Caller, type Role } from './access';
import { firstOr, notFound } from './errors';
import { hasPrefix } from './ids';

const orgById = preparedPerDb((db) =>
  db
    .select()
    .from(orgs)
    .where(eq(orgs.id, sql.placeholder('ref')))
    .prepare('org_by_id'),
);
const orgByName = preparedPerDb((db) =>
  db
    .select()
    .from(orgs)
    .where(eq(orgs.name, sql.placeholder('ref')))
    .prepare('org_by_name'),
);

export async function findOrg(db: Db, idOrName: string) {
  const [org] = await (hasPrefix(idOrName, 'org') ? orgById : orgByName)(db).execute({ ref: idOrName });
  if (!org) throw notFound('organization');
  return org;
}

export async function requireOrg(db: Db, caller: Caller, idOrName: string, action: Action) {
  const org = await findOrg(db, idOrName);
  const role = await authorize(db, caller, { type: 'org', org }, action);
  return { org, role };
}

// BlobHub's CLI names a blob by id alone as /blobs/{blob_id}/{blob_id}.
const namesBlobById = (blobId: string, orgIdOrName?: string) => !orgIdOrName || (orgIdOrName === blobId && hasPrefix(blobId, 'blob'));

async function blobInOrg(db: Db, blobId: string, orgIdOrName: string) {
  const org = await findOrg(db, orgIdOrName);
  return and(eq(blobs.orgId, org.id), hasPrefix(blobId, 'blob') ? eq(blobs.id, blobId) : eq(blobs.name, blobId));
}

/** The caller's org and blob membership rows (none for anonymous: user id ''), joined to the blob so one query loads and authorizes. */
function callerMemberships(userId: string | Placeholder) {
  return and(
    eq(members.userId, userId),
    or(and(eq(members.targetType, 'org'), eq(members.targetId, blobs.orgId)), and(eq(members.targetType, 'blob'), eq(members.targetId, blobs.id))),
  );
}

const rolesOf = (rows: { role: Role | null }[]) => rows.flatMap((r) => (r.role ? [r.role] : []));

const blobWithMemberships = preparedPerDb((db) =>
  db
    .select({ blob: blobs, role: members.role })
    .from(blobs)
    .leftJoin(members, callerMemberships(sql.placeholder('userId')))
    .where(eq(blobs.id, sql.placeholder('blobId')))
    .prepare('blob_with_memberships'),
);

export async function requireBlob(db: Db, caller: Caller, blobId: string, action: Action, orgIdOrName?: string) {
  const userId = userIdOf(caller) ?? '';
  const rows = namesBlobById(blobId, orgIdOrName)
    ? await blobWithMemberships(db).execute({ blobId, userId })
    : await db
        .select({ blob: blobs, role: members.role })
        .from(blobs)
        .leftJoin(members, callerMemberships(userId))
        .where(await blobInOrg(db, blobId, orgIdOrName!));
  const { blob } = firstOr(rows, () => notFound('blob'));
  const role: Role = await authorize(db, caller, { type: 'blob', blob }, action, rolesOf(rows));
  return { blob, role };
}

/**
 * A revision with its blob, loaded once with the caller's memberships; `authorize` checks an action
 * on it without loading it again.
 */
const revisionWithMemberships = preparedPerDb((db) =>
  db
    .select({ revision: revisions, blob: blobs, role: members.role })
    .from(revisions)
    .innerJoin(blobs, eq(blobs.id, revisions.blobId))
    .leftJoin(members, callerMemberships(sql.placeholder('userId')))
    .where(eq(revisions.id, sql.placeholder('revisionId')))
    .prepare('revision_with_memberships'),
);

export async function loadRevision(db: Db, caller: Caller, revisionId: string) {
  const rows = await revisionWithMemberships(db).execute({ revisionId, userId: userIdOf(caller) ?? '' });
  const { revision, blob } = firstOr(rows, () => notFound('revision'));
  const memberships = rolesOf(rows);
  return { revision, blob, authorize: (action: Action) => authorize(db, caller, { type: 'blob', blob }, action, memberships) };
}

export async function requireRevision(db: Db, caller: Caller, revisionId: string, action: Action) {
  const { revision, blob, authorize } = await loadRevision(db, caller, revisionId);
  return { revision, blob, role: await authorize(action) };
}
