/**
 * Operations track asynchronous work uniformly (docs/spec.md §3): an upload, a model description, …
 * Every change is also a core event, so realtime subscribers of the org, blob or revision see it.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { blobs, operations, revisions } from '../db/schema';
import type { App } from './app';
import type { Caller } from './access';
import { ApiError, notFound, theRow } from './errors';
import { recordEvent } from './events';
import { newId } from './ids';
import { afterCursor, fetchPage } from './paging';
import { requireTarget, targetNameOf, type ResolvedTarget } from './targets';
import { isoDate } from './schemas';

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

/** An operation is readable by whoever can read its target; to anyone else it does not exist. */
export async function requireOperation(app: App, caller: Caller, id: string): Promise<OperationRow> {
  const operation = await findOperation(app, id);
  const targetName = targetNameOf(operation.targetType as OperationTargetType);
  await requireTarget(app.db, caller, targetName, operation.targetId, 'read').catch((e: unknown) => {
    throw e instanceof ApiError && e.specCode === 'not_found' ? notFound('operation') : e;
  });
  return operation;
}

/** One page of the operations on the target, newest first, optionally of some statuses only. */
export function listOperations(app: App, target: ResolvedTarget, page: { statuses?: OperationStatus[]; limit: number; cursor?: string }) {
  return fetchPage(page.limit, (take) =>
    app.db
      .select()
      .from(operations)
      .where(
        and(
          eq(operations.targetType, target.type),
          eq(operations.targetId, target.id),
          page.statuses ? inArray(operations.status, page.statuses) : undefined,
          afterCursor(operations.id, page.cursor),
        ),
      )
      .orderBy(desc(operations.id))
      .limit(take),
  );
}

/** An operation as the API and its events show one. */
export const operationWire = z.object({
  id: z.string(),
  type: z.string(),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'cancelled']),
  progress: z.number(),
  target: z.object({ type: z.string(), id: z.string() }),
  result: z.unknown(),
  error: z.unknown(),
  created_at: isoDate,
  updated_at: isoDate,
});
export const toOperationWire = (o: typeof operations.$inferSelect) => ({
  id: o.id,
  type: o.type,
  status: o.status,
  progress: o.progress,
  target: { type: o.targetType, id: o.targetId },
  result: o.result ?? null,
  error: o.error ?? null,
  created_at: o.createdAt.toISOString(),
  updated_at: o.updatedAt.toISOString(),
});
