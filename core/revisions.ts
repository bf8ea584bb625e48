/**
 * The revision lifecycle: Draft → Commit → Snapshot (SPEC §3). Engines add their content
 * through the hooks in core/engines.ts; this module owns the phase transitions.
 */
import { and, desc, eq, max } from 'drizzle-orm';
import type { Transaction } from '../db/client';
import { blobs, revisions } from '../db/schema';
import type { App } from './app';
import { engineForBlobType, type BlobRow, type RevisionRow } from './engines';
import { ApiError, conflict, theRow } from './errors';
import { sha256Hex } from './crypto';
import { newId } from './ids';

const isUniqueViolation = (e: unknown) => [e, (e as { cause?: unknown })?.cause].some((x) => (x as { code?: string })?.code === '23505');

/** Opens a draft whose content copies `from` (default: the blob's latest revision). */
export async function openDraft(app: App, blob: BlobRow, userId: string | null, fromRevisionId?: string, comment?: string) {
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
          createdBy: userId,
        })
        .returning()
        .then(theRow);
      if (from) await engineForBlobType(blob.type)?.copyContent?.(tx, from, draft);
      await tx.update(blobs).set({ latestRevisionId: draft.id, updatedAt: new Date() }).where(eq(blobs.id, blob.id));
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

/** Validates the content with the blob's engine, then freezes it. */
export async function commitRevision(app: App, blob: BlobRow, revision: RevisionRow) {
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
    return tx.update(revisions).set({ phase: 'commit', committedAt: new Date(), contentHash }).where(eq(revisions.id, revision.id)).returning().then(theRow);
  });
}

export async function snapshotRevision(app: App, blob: BlobRow, revision: RevisionRow) {
  if (revision.phase !== 'commit') throw conflict(`only a committed revision can be snapshotted (this one is ${revision.phase})`);
  return app.db.transaction(async (tx) => {
    const [snap] = await tx
      .update(revisions)
      .set({ phase: 'snapshot', snapshottedAt: new Date() })
      .where(and(eq(revisions.id, revision.id), eq(revisions.phase, 'commit')))
      .returning();
    if (!snap) throw conflict('the revision changed phase meanwhile');
    await tx.update(blobs).set({ latestSnapshotId: snap.id, updatedAt: new Date() }).where(eq(blobs.id, blob.id));
    return snap;
  });
}

/** Refuses content changes outside a draft (409), the one rule every engine command shares. */
export function assertDraft(revision: RevisionRow) {
  if (revision.phase !== 'draft') throw conflict(`revision is ${revision.phase}: its content is frozen; open a new draft`);
}
