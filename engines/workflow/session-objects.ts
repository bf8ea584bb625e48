/** The session object store (SPEC §4), shared by the commands and the session components. */
import { and, asc, eq } from 'drizzle-orm';
import type { App } from '../../core/app';
import { sessionObjects, threadItems } from '../../db/schema';

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
  const now = new Date();
  await app.db
    .insert(sessionObjects)
    .values({ sessionId: scope.sessionId, alias, type: objectTypeOf(value), value, updatedAt: now })
    .onConflictDoUpdate({
      target: [sessionObjects.sessionId, sessionObjects.alias],
      set: { type: objectTypeOf(value), value, updatedAt: now },
    });
  await app.emit({ ...scope, type: 'session_object_modified', attributes: { session_object: { alias } }, dedupeKey });
}

export async function readSessionObject(app: App, sessionId: string, alias: string) {
  const [row] = await app.db
    .select()
    .from(sessionObjects)
    .where(and(eq(sessionObjects.sessionId, sessionId), eq(sessionObjects.alias, alias)));
  return row;
}

export async function listSessionObjects(app: App, sessionId: string) {
  return app.db.select().from(sessionObjects).where(eq(sessionObjects.sessionId, sessionId)).orderBy(asc(sessionObjects.alias));
}

/** Deletes an object and what hangs off it (thread items); false when there was none. */
export async function deleteSessionObject(app: App, scope: SessionScope, alias: string): Promise<boolean> {
  const deleted = await app.db.transaction(async (tx) => {
    const rows = await tx
      .delete(sessionObjects)
      .where(and(eq(sessionObjects.sessionId, scope.sessionId), eq(sessionObjects.alias, alias)))
      .returning();
    await tx.delete(threadItems).where(and(eq(threadItems.sessionId, scope.sessionId), eq(threadItems.alias, alias)));
    return rows.length > 0;
  });
  if (deleted) await app.emit({ ...scope, type: 'session_object_deleted', attributes: { session_object: { alias } } });
  return deleted;
}
