/** Metadata of a blob or a revision: JSON values by key. Not revision content: it may change in any phase. */
import { and, asc, eq, sql } from 'drizzle-orm';
import { metadata } from '../db/schema';
import type { App } from './app';
import { actorAttributes, type Actor } from './actor';
import { recordAudit } from './audit';
import type { Db } from '../db/client';
import { notFound } from './errors';
import type { ResolvedTarget } from './targets';

const metadataType = (target: ResolvedTarget) => target.type as 'blob' | 'revision';
const ofTarget = (target: ResolvedTarget) => and(eq(metadata.targetType, metadataType(target)), eq(metadata.targetId, target.id));

/** Every change is a core event, so realtime subscribers of the blob or revision see it. */
function emitMetadataEvent(app: App, actor: Actor, target: ResolvedTarget, key: string, value: unknown) {
  return app.emit({
    type: value === undefined ? 'metadata_deleted' : 'metadata_updated',
    orgId: target.orgId,
    blobId: target.blobId,
    revisionId: target.revisionId,
    attributes: actorAttributes(actor),
    data: { target: { type: target.type, id: target.id }, key, value: value ?? null },
  });
}

/** All the target's metadata, by key. */
export async function metadataOf(db: Db, target: ResolvedTarget): Promise<Record<string, unknown>> {
  const rows = await db.select().from(metadata).where(ofTarget(target)).orderBy(asc(metadata.key));
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** A metadata change's audit entry: the key on its blob or revision. */
const auditMetadata = (tx: Db, actor: Actor, target: ResolvedTarget, verb: string, key: string) =>
  recordAudit(tx, actor, { orgId: target.orgId, action: `metadata.${verb}`, target: { type: target.type, id: target.id }, changes: { key } });

export async function putMetadata(app: App, actor: Actor, target: ResolvedTarget, key: string, value: unknown): Promise<void> {
  // drizzle writes a JS null as SQL NULL; a JSON null value is the jsonb literal.
  const stored = value === null ? sql`'null'::jsonb` : value;
  const row = { targetType: metadataType(target), targetId: target.id, key, value: stored, updatedAt: new Date() };
  await app.db.transaction(async (tx) => {
    await tx
      .insert(metadata)
      .values(row)
      .onConflictDoUpdate({ target: [metadata.targetType, metadata.targetId, metadata.key], set: { value: row.value, updatedAt: row.updatedAt } });
    await auditMetadata(tx, actor, target, 'put', key);
  });
  await emitMetadataEvent(app, actor, target, key, value);
}

export async function deleteMetadata(app: App, actor: Actor, target: ResolvedTarget, key: string): Promise<void> {
  await app.db.transaction(async (tx) => {
    const removed = await tx
      .delete(metadata)
      .where(and(ofTarget(target), eq(metadata.key, key)))
      .returning({ key: metadata.key });
    if (removed.length === 0) throw notFound(`metadata key ${key}`);
    await auditMetadata(tx, actor, target, 'delete', key);
  });
  await emitMetadataEvent(app, actor, target, key, undefined);
}
