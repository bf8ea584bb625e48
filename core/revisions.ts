/**
 * The revision lifecycle: Draft → Commit → Snapshot (docs/spec.md §3). Engines add their content
 * through the hooks in core/engines.ts; this module owns the phase transitions.
 */
import { and, desc, eq, lt, max } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Transaction } from '../db/client';
import { blobs, metadata, revisions } from '../db/schema';
import type { App } from './app';
import { actorAttributes, type Actor } from './actor';
import { recordAudit } from './audit';
import { engineForBlobType, type BlobRow, type RevisionRow } from './engines';
import { ApiError, conflict, theRow } from './errors';
import { sha256Hex } from './crypto';
import { lockOrgEvents } from './events';
import { newId } from './ids';
import { decodeNumberCursor, fetchPage } from './paging';
import { isoDate } from './schemas';

const isUniqueViolation = (e: unknown) => [e, (e as { cause?: unknown })?.cause].some((x) => (x as { code?: string })?.code === '23505');

/** Every phase change is a core event, so realtime subscribers of the blob see it. */
function emitRevisionEvent(app: App, actor: Actor, type: string, blob: BlobRow, revision: RevisionRow) {
  return app.emit({
    type,
    orgId: blob.orgId,
    blobId: blob.id,
    revisionId: revision.id,
    attributes: actorAttributes(actor),
    data: { revision: toRevisionWire(revision) },
  });
}

/** A lifecycle step's audit entry, in the step's transaction. */
const auditRevision = (tx: Db, actor: Actor, verb: string, blob: BlobRow, revision: RevisionRow, changes: Record<string, unknown> = {}) =>
  recordAudit(tx, actor, {
    orgId: blob.orgId,
    action: `revision.${verb}`,
    target: { type: 'revision', id: revision.id },
    changes: { blob_id: blob.id, number: revision.number, phase: revision.phase, ...changes },
  });

/** One page of a blob's revisions, newest first; the cursor is a revision number. */
export function listRevisions(db: Db, blob: BlobRow, { limit, cursor }: { limit: number; cursor?: string }) {
  const after = decodeNumberCursor(cursor);
  return fetchPage(
    limit,
    (take) =>
      db
        .select()
        .from(revisions)
        .where(and(eq(revisions.blobId, blob.id), after === undefined ? undefined : lt(revisions.number, after)))
        .orderBy(desc(revisions.number))
        .limit(take),
    (r) => String(r.number),
  );
}

/** A revision of a blob by id, number or `default` (the latest revision). */
export async function revisionByRef(db: Db, blob: BlobRow, ref: string): Promise<RevisionRow> {
  const where =
    ref === 'default' ? eq(revisions.id, blob.latestRevisionId ?? '') : /^\d+$/.test(ref) ? eq(revisions.number, Number(ref)) : eq(revisions.id, ref);
  const [row] = await db
    .select()
    .from(revisions)
    .where(and(eq(revisions.blobId, blob.id), where));
  // the code BlobHub's clients tell a missing revision by (blobhub-worker waits for a default to appear)
  if (!row) throw new ApiError('not_found', `blob ${blob.name} has no revision ${ref}`, { engineCode: 'revision_not_found' });
  return row;
}

/** Opens a draft whose content copies `from` (default: the blob's latest revision), and announces it. */
export async function openDraft(app: App, actor: Actor, blob: BlobRow, fromRevisionId?: string, comment?: string) {
  const draft = await insertDraft(app, actor, blob, fromRevisionId, comment);
  await emitRevisionEvent(app, actor, 'revision_created', blob, draft);
  return draft;
}

async function insertDraft(app: App, actor: Actor, blob: BlobRow, fromRevisionId?: string, comment?: string) {
  try {
    return await app.db.transaction(async (tx) => {
      const from = await sourceRevision(tx, blob, fromRevisionId);
      const { n } = await tx
        .select({ n: max(revisions.number) })
        .from(revisions)
        .where(eq(revisions.blobId, blob.id))
        .then(theRow);
      const draft = await tx
        .insert(revisions)
        .values({
          id: newId('revision'),
          blobId: blob.id,
          number: (n ?? 0) + 1,
          phase: 'draft',
          parentRevisionId: from?.id ?? null,
          comment: comment ?? null,
          createdBy: actor.userId,
        })
        .returning()
        .then(theRow);
      if (from) await engineForBlobType(blob.type)?.copyContent?.(tx, from, draft);
      await tx.update(blobs).set({ latestRevisionId: draft.id, updatedAt: new Date() }).where(eq(blobs.id, blob.id));
      await auditRevision(tx, actor, 'create', blob, draft, { from_revision_id: from?.id ?? null, comment: draft.comment });
      return draft;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('this blob already has an open draft; commit or delete it first');
    throw e;
  }
}

async function sourceRevision(tx: Transaction, blob: BlobRow, fromRevisionId?: string): Promise<RevisionRow | undefined> {
  if (fromRevisionId) {
    const [rev] = await tx
      .select()
      .from(revisions)
      .where(and(eq(revisions.id, fromRevisionId), eq(revisions.blobId, blob.id)));
    if (!rev) throw new ApiError('not_found', 'revision not found in this blob');
    return rev;
  }
  const [latest] = await tx.select().from(revisions).where(eq(revisions.blobId, blob.id)).orderBy(desc(revisions.number)).limit(1);
  return latest;
}

/** Deletes a draft (its metadata with it); the blob's latest revision falls back to the newest left. */
export async function deleteDraft(app: App, actor: Actor, blob: BlobRow, revision: RevisionRow) {
  if (revision.phase !== 'draft') throw conflict(`only a draft can be deleted (this revision is ${revision.phase})`);
  await app.db.transaction(async (tx) => {
    await lockOrgEvents(tx, blob.orgId);
    await tx.delete(metadata).where(and(eq(metadata.targetType, 'revision'), eq(metadata.targetId, revision.id)));
    await tx.delete(revisions).where(eq(revisions.id, revision.id));
    const [latest] = await tx.select().from(revisions).where(eq(revisions.blobId, blob.id)).orderBy(desc(revisions.number)).limit(1);
    await tx
      .update(blobs)
      .set({ latestRevisionId: latest?.id ?? null, updatedAt: new Date() })
      .where(eq(blobs.id, blob.id));
    await auditRevision(tx, actor, 'delete', blob, revision);
  });
  await emitRevisionEvent(app, actor, 'revision_deleted', blob, revision);
}

/** Validates the content with the blob's engine, then freezes it, and announces it. */
export async function commitRevision(app: App, actor: Actor, blob: BlobRow, revision: RevisionRow) {
  const committed = await freezeDraft(app, actor, blob, revision);
  await emitRevisionEvent(app, actor, 'revision_committed', blob, committed);
  return committed;
}

async function freezeDraft(app: App, actor: Actor, blob: BlobRow, revision: RevisionRow) {
  if (revision.phase !== 'draft') throw conflict(`revision is already in phase ${revision.phase}`);
  if (revision.status === 'processing') throw conflict('revision content is still being processed');
  return app.db.transaction(async (tx) => {
    // Lock the row so that a concurrent content command cannot slip in between check and commit.
    const locked = await tx.select().from(revisions).where(eq(revisions.id, revision.id)).for('update').then(theRow);
    if (locked.phase !== 'draft') throw conflict(`revision is already in phase ${locked.phase}`);
    const engine = engineForBlobType(blob.type);
    const problems = (await engine?.validateForCommit?.(app, tx, locked)) ?? [];
    if (problems.length > 0) {
      throw new ApiError('bad_request', `the revision content is invalid: ${problems[0]?.message}`, { details: problems });
    }
    const contentHash = (await engine?.contentHash?.(tx, locked)) ?? sha256Hex('');
    const committed = await tx
      .update(revisions)
      .set({ phase: 'commit', committedAt: new Date(), contentHash })
      .where(eq(revisions.id, revision.id))
      .returning()
      .then(theRow);
    await auditRevision(tx, actor, 'commit', blob, committed, { content_hash: contentHash });
    return committed;
  });
}

/** Publishes a committed revision as the blob's latest snapshot, and announces it. */
export async function snapshotRevision(app: App, actor: Actor, blob: BlobRow, revision: RevisionRow) {
  const snap = await publishCommit(app, actor, blob, revision);
  await emitRevisionEvent(app, actor, 'revision_snapshotted', blob, snap);
  return snap;
}

async function publishCommit(app: App, actor: Actor, blob: BlobRow, revision: RevisionRow) {
  if (revision.phase !== 'commit') throw conflict(`only a committed revision can be snapshotted (this one is ${revision.phase})`);
  return app.db.transaction(async (tx) => {
    const [snap] = await tx
      .update(revisions)
      .set({ phase: 'snapshot', snapshottedAt: new Date() })
      .where(and(eq(revisions.id, revision.id), eq(revisions.phase, 'commit')))
      .returning();
    if (!snap) throw conflict('the revision changed phase meanwhile');
    await tx.update(blobs).set({ latestSnapshotId: snap.id, updatedAt: new Date() }).where(eq(blobs.id, blob.id));
    await auditRevision(tx, actor, 'snapshot', blob, snap);
    return snap;
  });
}

/** Refuses content changes outside a draft (409), the one rule every engine command shares. */
export function assertDraft(revision: RevisionRow) {
  if (revision.phase !== 'draft') throw conflict(`revision is ${revision.phase}: its content is frozen; open a new draft`);
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A revision as the API and its events show one. */
export const revisionWire = z.object({
  id: z.string(),
  blob_id: z.string(),
  number: z.number().int(),
  phase: z.enum(['draft', 'commit', 'snapshot']),
  status: z.enum(['ready', 'processing', 'failed']),
  status_reason: z.string().nullable(),
  comment: z.string().nullable(),
  parent_revision_id: z.string().nullable(),
  content_hash: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: isoDate,
  committed_at: isoDate.nullable(),
  snapshotted_at: isoDate.nullable(),
});
export const toRevisionWire = (r: typeof revisions.$inferSelect) => ({
  id: r.id,
  blob_id: r.blobId,
  number: r.number,
  phase: r.phase,
  status: r.status,
  status_reason: r.statusReason,
  comment: r.comment,
  parent_revision_id: r.parentRevisionId,
  content_hash: r.contentHash,
  created_by: r.createdBy,
  created_at: r.createdAt.toISOString(),
  committed_at: iso(r.committedAt),
  snapshotted_at: iso(r.snapshottedAt),
});
