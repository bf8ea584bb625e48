/**
 * Members, API keys, credentials, metadata and operations point at their org, blob or revision
 * by (target_type, target_id), which no foreign key covers. Deleting an org or a blob removes
 * them here, inside the deleting transaction, so that no key keeps working and no secret stays
 * behind for a resource that is gone.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Transaction } from '../db/client';
import { apiKeys, blobs, credentials, members, metadata, operations, revisions } from '../db/schema';

interface TargetTable {
  targetType: AnyPgColumn;
  targetId: AnyPgColumn;
}

const attachedTo = {
  org: [members, apiKeys, credentials, operations],
  blob: [members, apiKeys, credentials, metadata, operations],
  revision: [metadata, operations],
};

async function deleteAttached(tx: Transaction, type: keyof typeof attachedTo, ids: string[]) {
  if (ids.length === 0) return;
  for (const table of attachedTo[type]) {
    const t = table as unknown as TargetTable & Parameters<Transaction['delete']>[0];
    await tx.delete(t).where(and(eq(t.targetType, type), inArray(t.targetId, ids)));
  }
}

/** Call before deleting the org or blob row itself (its blobs and revisions are read first). */
export async function deleteAttachments(tx: Transaction, target: { type: 'org' | 'blob'; id: string }) {
  const blobIds = target.type === 'blob' ? [target.id] : (await tx.select({ id: blobs.id }).from(blobs).where(eq(blobs.orgId, target.id))).map((r) => r.id);
  const revisionIds = blobIds.length ? (await tx.select({ id: revisions.id }).from(revisions).where(inArray(revisions.blobId, blobIds))).map((r) => r.id) : [];
  await deleteAttached(tx, 'revision', revisionIds);
  await deleteAttached(tx, 'blob', blobIds);
  if (target.type === 'org') await deleteAttached(tx, 'org', [target.id]);
}
