/**
 * Operations track asynchronous work uniformly (SPEC §3): an upload, a model description, …
 * Every change is also a core event, so realtime subscribers of the org, blob or revision see it.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { blobs, operations, revisions } from '../db/schema';
import type { App } from './app';
import { notFound, theRow } from './errors';
import { recordEvent } from './events';
import { newId } from './ids';
import { toOperationWire } from './wire';

export type OperationTargetType = 'org' | 'blob' | 'revision';
export type OperationRow = typeof operations.$inferSelect;
export type OperationStatus = OperationRow['status'];

export interface OperationTarget {
  type: OperationTargetType;
  id: string;
}

export interface OperationChange {
  status?: OperationStatus;
  /** 0..1 */
  progress?: number;
  result?: unknown;
  error?: unknown;
}

/** The org, blob and revision an operation's target belongs to, for event routing. */
async function scopeOf(db: Db, target: OperationTarget) {
  if (target.type === 'org') return { orgId: target.id, blobId: null, revisionId: null };
  if (target.type === 'blob') {
    const [blob] = await db.select({ orgId: blobs.orgId }).from(blobs).where(eq(blobs.id, target.id));
    return { orgId: blob?.orgId ?? null, blobId: target.id, revisionId: null };
  }
  const [row] = await db
    .select({ blobId: blobs.id, orgId: blobs.orgId })
    .from(revisions)
    .innerJoin(blobs, eq(blobs.id, revisions.blobId))
    .where(eq(revisions.id, target.id));
  return { orgId: row?.orgId ?? null, blobId: row?.blobId ?? null, revisionId: target.id };
}

async function emitOperationEvent(db: Db, type: string, operation: OperationRow) {
  const scope = await scopeOf(db, { type: operation.targetType as OperationTargetType, id: operation.targetId });
  await recordEvent(db, { type, ...scope, data: { operation: toOperationWire(operation) } });
}

export async function createOperation(app: App, input: { type: string; target: OperationTarget; createdBy: string | null }): Promise<OperationRow> {
  const row = await app.db
    .insert(operations)
    .values({ id: newId('operation'), type: input.type, targetType: input.target.type, targetId: input.target.id, createdBy: input.createdBy })
    .returning()
    .then(theRow);
  await emitOperationEvent(app.db, 'operation_created', row);
  return row;
}

/**
 * Applies a change and publishes an `operation_updated` event with the new state; inside `db`
 * when it is a transaction, so the change and its event commit together with the caller's writes.
 */
export async function updateOperation(app: App, id: string, change: OperationChange, db: Db = app.db): Promise<OperationRow> {
  // the row and its event commit together: a process killed in between leaves neither, so a retry writes both
  return db.transaction((tx) => writeOperationChange(tx, id, change));
}

async function writeOperationChange(db: Db, id: string, change: OperationChange): Promise<OperationRow> {
  const [row] = await db
    .update(operations)
    .set({
      ...(change.status !== undefined && { status: change.status }),
      ...(change.progress !== undefined && { progress: Math.min(1, Math.max(0, change.progress)) }),
      ...(change.result !== undefined && { result: change.result }),
      ...(change.error !== undefined && { error: change.error }),
      updatedAt: new Date(),
    })
    .where(eq(operations.id, id))
    .returning();
  if (!row) throw notFound('operation');
  await emitOperationEvent(db, 'operation_updated', row);
  return row;
}

export async function findOperation(app: App, id: string): Promise<OperationRow> {
  const [row] = await app.db.select().from(operations).where(eq(operations.id, id));
  if (!row) throw notFound('operation');
  return row;
}
