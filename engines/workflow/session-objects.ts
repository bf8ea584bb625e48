/** The session object store (docs/spec.md §4), shared by the commands and the session components. */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { App } from '../../core/app';
import { recordEvent } from '../../core/events';
import type { Db } from '../../db/client';
import { graphElements, sessionFiles, sessionObjects, threadItems } from '../../db/schema';

export interface SessionScope {
  orgId: string;
  blobId: string;
  revisionId: string;
  sessionId: string;
  executionId?: string;
}

/** The object's type: its `type` discriminator when it has one, else `json`. */
export function objectTypeOf(value: unknown): string {
  const t = (value as { type?: unknown } | null)?.type;
  return typeof t === 'string' ? t : 'json';
}

export async function writeSessionObject(app: App, scope: SessionScope, alias: string, value: unknown, dedupeKey?: string) {
  await app.db.transaction((tx) => upsertSessionObject(tx, scope, alias, value, dedupeKey));
}

/** Creates or replaces an object and records its session_object_modified event, in the caller's transaction. */
export async function upsertSessionObject(db: Db, scope: SessionScope, alias: string, value: unknown, dedupeKey?: string, sizeBytes?: number) {
  const now = new Date();
  const type = objectTypeOf(value);
  await db
    .insert(sessionObjects)
    .values({ sessionId: scope.sessionId, alias, type, value, updatedAt: now })
    .onConflictDoUpdate({
      target: [sessionObjects.sessionId, sessionObjects.alias],
      set: { type, value, updatedAt: now },
    });
  // an envelope replaced by a value of another type takes its items, elements or file row along
  const ofAlias = <T extends typeof threadItems | typeof graphElements | typeof sessionFiles>(table: T) =>
    and(eq(table.sessionId, scope.sessionId), eq(table.alias, alias));
  if (type !== 'thread') await db.delete(threadItems).where(ofAlias(threadItems));
  if (type !== 'graph') await db.delete(graphElements).where(ofAlias(graphElements));
  if (type !== 'file') await db.delete(sessionFiles).where(ofAlias(sessionFiles));
  // an execution's write carries its size: it counts against the execution's data limit (values.ts)
  const sessionObject = sizeBytes === undefined ? { alias, type } : { alias, type, size_bytes: sizeBytes };
  await recordEvent(db, { ...scope, type: 'session_object_modified', attributes: { session_object: sessionObject }, dedupeKey });
}

export async function readSessionObject(app: App, sessionId: string, alias: string) {
  const [row] = await app.db
    .select()
    .from(sessionObjects)
    .where(and(eq(sessionObjects.sessionId, sessionId), eq(sessionObjects.alias, alias)));
  return row;
}

export interface ObjectListing {
  /** only aliases starting with this */
  prefix?: string;
  /** only aliases after this one */
  after?: string;
  limit?: number;
}

/** A session's objects in alias order. */
export async function listSessionObjects(app: App, sessionId: string, listing: ObjectListing = {}) {
  const query = app.db
    .select()
    .from(sessionObjects)
    .where(
      and(
        eq(sessionObjects.sessionId, sessionId),
        listing.prefix === undefined ? undefined : sql`starts_with(${sessionObjects.alias}, ${listing.prefix})`,
        listing.after === undefined ? undefined : gt(sessionObjects.alias, listing.after),
      ),
    )
    .orderBy(asc(sessionObjects.alias));
  return listing.limit === undefined ? query : query.limit(listing.limit);
}

/**
 * Deletes an object and what hangs off it (thread items; graph elements and file rows cascade);
 * false when there was none. A file object's bytes leave the blob store after the commit.
 */
export async function deleteSessionObject(app: App, scope: SessionScope, alias: string): Promise<boolean> {
  const deleted = await app.db.transaction(async (tx) => {
    const [file] = await tx
      .select({ storageKey: sessionFiles.storageKey })
      .from(sessionFiles)
      .where(and(eq(sessionFiles.sessionId, scope.sessionId), eq(sessionFiles.alias, alias)));
    const rows = await tx
      .delete(sessionObjects)
      .where(and(eq(sessionObjects.sessionId, scope.sessionId), eq(sessionObjects.alias, alias)))
      .returning();
    await tx.delete(threadItems).where(and(eq(threadItems.sessionId, scope.sessionId), eq(threadItems.alias, alias)));
    const [deleted] = rows;
    if (deleted) await recordEvent(tx, { ...scope, type: 'session_object_deleted', attributes: { session_object: { alias, type: deleted.type } } });
    return rows.length > 0 ? { storageKey: file?.storageKey } : null;
  });
  if (deleted?.storageKey) await app.blobStore?.delete(deleted.storageKey);
  return deleted !== null;
}
