/** Metadata of a blob or a revision: JSON values by key. Not revision content: it may change in any phase. */
import { and, asc, eq, sql } from 'drizzle-orm';
import { metadata } from '../db/schema';
import type { App } from './app';
import type { Db } from '../db/client';
import { notFound } from './errors';
import type { ResolvedTarget } from './targets';

const metadataType = (target: ResolvedTarget) => target.type as 'blob' | 'revision';
const ofTarget = (target: ResolvedTarget) => and(eq(metadata.targetType, metadataType(target)), eq(metadata.targetId, target.id));

/** Every change is a core event, so realtime subscribers of the blob or revision see it. */
function emitMetadataEvent(app: App, target: ResolvedTarget, key: string, value: unknown) {
  return app.emit({
    type: value === undefined ? 'metadata_deleted' : 'metadata_updated',
    orgId: target.orgId,
    blobId: target.blobId,
    revisionId: target.revisionId,
    data: { target: { type: target.type, id: target.id }, key, value: value ?? null },
  });
}

/** All the target's metadata, by key. */
export async function metadataOf(db: Db, target: ResolvedTarget): Promise<Record<string, unknown>> {
  const rows = await db.select().from(metadata).where(ofTarget(target)).orderBy(asc(metadata.key));
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export async function putMetadata(app: App, target: ResolvedTarget, key: string, value: unknown): Promise<void> {
  // drizzle writes a JS null as SQL NULL; a JSON null value is the jsonb literal.
  const stored = value === null ? sql`'null'::jsonb` : value;
  const row = { targetType: metadataType(target), targetId: target.id, key, value: stored, updatedAt: new Date() };
  await app.db
    .insert(metadata)
    .values(row)
    .onConflictDoUpdate({ target: [metadata.targetType, metadata.targetId, metadata.key], set: { value: row.value, updatedAt: row.updatedAt } });
  await emitMetadataEvent(app, target, key, value);
}

export async function deleteMetadata(app: App, target: ResolvedTarget, key: string): Promise<void> {
  const removed = await app.db
    .delete(metadata)
    .where(and(ofTarget(target), eq(metadata.key, key)))
    .returning({ key: metadata.key });
  if (removed.length === 0) throw notFound(`metadata key ${key}`);
  await emitMetadataEvent(app, target, key, undefined);
}
