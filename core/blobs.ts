/** Blobs: creation with their first draft, the list a caller may see, changes and deletion. */
import { and, desc, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { blobs, revisions } from '../db/schema';
import { membershipsOf, type Caller } from './access';
import type { App } from './app';
import { deleteAttachments } from './attachments';
import { actorAttributes, type Actor } from './actor';
import { changedFields, recordAudit } from './audit';
import { engineForBlobType, type BlobRow, type BlobType, type RevisionRow } from './engines';
import { conflict, firstOr, notFound, theRow } from './errors';
import { lockOrgEvents } from './events';
import { newId } from './ids';
import { afterCursor, fetchPage } from './paging';
import { isoDate } from './schemas';

export type Visibility = BlobRow['visibility'];

export interface NewBlob {
  name: string;
  type: BlobType;
  visibility: Visibility;
  description?: string;
}

const auditedFields = (b: BlobRow) => ({ name: b.name, type: b.type, visibility: b.visibility, description: b.description });

const auditBlob = (tx: Db, actor: Actor, verb: string, blob: BlobRow, changes: Record<string, unknown>) =>
  recordAudit(tx, actor, { orgId: blob.orgId, action: `blob.${verb}`, target: { type: 'blob', id: blob.id }, changes });

/** Creates a blob with its first draft revision, and announces it. */
export async function createBlob(app: App, actor: Actor, orgId: string, input: NewBlob): Promise<{ blob: BlobRow; revision: RevisionRow }> {
  const createdBy = actor.userId;
  const created = await app.db.transaction(async (tx) => {
    const blobId = newId('blob');
    const revisionId = newId('revision');
    const [blob] = await tx
      .insert(blobs)
      .values({ id: blobId, orgId, ...input, latestRevisionId: revisionId })
      .onConflictDoNothing()
      .returning();
    if (!blob) throw conflict(`a blob named ${input.name} already exists in this organization`);
    const revision = await tx.insert(revisions).values({ id: revisionId, blobId, number: 1, phase: 'draft', createdBy }).returning().then(theRow);
    await auditBlob(tx, actor, 'create', blob, { ...auditedFields(blob), revision_id: revision.id });
    return { blob, revision };
  });
  await app.emit({ type: 'blob_created', orgId, blobId: created.blob.id, attributes: actorAttributes(actor), data: { blob: toBlobWire(created.blob) } });
  return created;
}

/** Which blobs of an org the caller may see: everything for org members, else public + own blob roles. */
async function visibleBlobsFilter(db: Db, caller: Caller, orgId: string): Promise<SQL | undefined> {
  const isPublic = eq(blobs.visibility, 'public');
  if (caller.kind === 'anonymous') return isPublic;
  if (caller.kind === 'key' && caller.keyTarget.type === 'blob') return or(isPublic, eq(blobs.id, caller.keyTarget.id));
  if (caller.kind === 'key' && caller.keyTarget.type === 'org' && caller.keyTarget.id !== orgId) return isPublic;
  if (caller.isInstanceAdmin) return undefined;
  const { orgRoles, blobRoles } = await membershipsOf(db, caller.userId);
  if (orgRoles.has(orgId)) return undefined;
  return blobRoles.size ? or(isPublic, inArray(blobs.id, [...blobRoles.keys()])) : isPublic;
}

export interface BlobFilter {
  type?: BlobType;
  /** part of the name */
  q?: string;
  limit: number;
  cursor?: string;
}

/** One page of an org's blobs the caller may see, newest first. */
export async function listBlobs(db: Db, caller: Caller, orgId: string, filter: BlobFilter) {
  const visible = await visibleBlobsFilter(db, caller, orgId);
  return fetchPage(filter.limit, (take) =>
    db
      .select()
      .from(blobs)
      .where(
        and(
          eq(blobs.orgId, orgId),
          filter.type ? eq(blobs.type, filter.type) : undefined,
          filter.q ? ilike(blobs.name, `%${filter.q.replace(/[\\%_]/g, '\\$&')}%`) : undefined,
          afterCursor(blobs.id, filter.cursor),
          visible,
        ),
      )
      .orderBy(desc(blobs.id))
      .limit(take),
  );
}

/** Changes the given fields (the others keep their values), and announces it. */
export async function updateBlob(app: App, actor: Actor, blob: BlobRow, change: { visibility?: Visibility; description?: string }): Promise<BlobRow> {
  const row = await app.db.transaction(async (tx) => {
    const updated = await tx
      .update(blobs)
      .set({ visibility: change.visibility ?? blob.visibility, description: change.description ?? blob.description, updatedAt: new Date() })
      .where(eq(blobs.id, blob.id))
      .returning()
      .then((rows) => firstOr(rows, () => notFound('blob')));
    await auditBlob(tx, actor, 'update', updated, changedFields(auditedFields(blob), auditedFields(updated)));
    return updated;
  });
  await app.emit({ type: 'blob_updated', orgId: row.orgId, blobId: row.id, attributes: actorAttributes(actor), data: { blob: toBlobWire(row) } });
  return row;
}

/** Deletes a blob with all its revisions, after its engine released what lives outside the database. */
export async function deleteBlob(app: App, actor: Actor, blob: BlobRow): Promise<void> {
  await engineForBlobType(blob.type)?.beforeBlobDelete?.(app, blob);
  await app.db.transaction(async (tx) => {
    await lockOrgEvents(tx, blob.orgId);
    await deleteAttachments(tx, { type: 'blob', id: blob.id });
    await tx.delete(blobs).where(eq(blobs.id, blob.id));
    await auditBlob(tx, actor, 'delete', blob, auditedFields(blob));
  });
  await app.emit({ type: 'blob_deleted', orgId: blob.orgId, blobId: blob.id, attributes: actorAttributes(actor), data: { blob_id: blob.id } });
}

/** A blob as the API and its events show one. */
export const blobWire = z.object({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  type: z.enum(['workflow', 'scheduler', 'onnx']),
  visibility: z.enum(['private', 'public']),
  description: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
  latest_revision_id: z.string().nullable(),
  latest_snapshot_id: z.string().nullable(),
});
export const toBlobWire = (b: typeof blobs.$inferSelect) => ({
  id: b.id,
  org_id: b.orgId,
  name: b.name,
  type: b.type,
  visibility: b.visibility,
  description: b.description,
  created_at: b.createdAt.toISOString(),
  updated_at: b.updatedAt.toISOString(),
  latest_revision_id: b.latestRevisionId,
  latest_snapshot_id: b.latestSnapshotId,
});
