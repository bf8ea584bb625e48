/** Loading orgs, blobs and revisions by id or name, with the access check in the same step. */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { blobs, orgs, revisions } from '../db/schema';
import { authorize, type Action, type Caller, type Role } from './access';
import { notFound } from './errors';
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

export async function findBlob(db: Db, blobId: string, orgIdOrName?: string) {
  let where;
  if (orgIdOrName) {
    const org = await findOrg(db, orgIdOrName);
    where = and(eq(blobs.orgId, org.id), hasPrefix(blobId, 'blob') ? eq(blobs.id, blobId) : eq(blobs.name, blobId));
  } else {
    where = eq(blobs.id, blobId);
  }
  const [blob] = await db.select().from(blobs).where(where);
  if (!blob) throw notFound('blob');
  return blob;
}

export async function requireBlob(db: Db, caller: Caller, blobId: string, action: Action, orgIdOrName?: string) {
  const blob = await findBlob(db, blobId, orgIdOrName);
  const role: Role = await authorize(db, caller, { type: 'blob', blob }, action);
  return { blob, role };
}

export async function requireRevision(db: Db, caller: Caller, revisionId: string, action: Action) {
  const [row] = await db
    .select({ revision: revisions, blob: blobs })
    .from(revisions)
    .innerJoin(blobs, eq(blobs.id, revisions.blobId))
    .where(eq(revisions.id, revisionId));
  if (!row) throw notFound('revision');
  const role = await authorize(db, caller, { type: 'blob', blob: row.blob }, action);
  return { ...row, role };
}
