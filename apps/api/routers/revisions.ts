import { and, desc, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { userIdOf } from '../../../core/access';
import { conflict } from '../../../core/errors';
import { requireBlob, requireRevision } from '../../../core/resources';
import { commitRevision, openDraft, snapshotRevision } from '../../../core/revisions';
import { fetchPage } from '../../../core/paging';
import { decodeNumberCursor, idOf, numberPageQuery, revisionWire, toRevisionWire } from '../../../core/wire';
import { blobs, metadata, revisions } from '../../../db/schema';
import { authedProcedure, publicProcedure, router, type Context } from '../trpc';
import type { App } from '../../../core/app';
import type { BlobRow, RevisionRow } from '../../../core/engines';

const revisionParam = { revision_id: idOf('revision') };
export const revisionComment = z.string().min(1).max(200);
const revisionOut = z.object({ revision: revisionWire });

function emitRevisionEvent(app: App, type: string, blob: BlobRow, revision: RevisionRow) {
  return app.emit({ type, orgId: blob.orgId, blobId: blob.id, revisionId: revision.id, data: { revision: toRevisionWire(revision) } });
}

export const revisionList = z.object({ revisions: z.array(revisionWire), cursor: z.string().nullable() });

/** One page of a blob's revisions, newest first. */
export async function listRevisions(app: App, blob: BlobRow, { limit, cursor }: { limit: number; cursor?: string }) {
  const after = decodeNumberCursor(cursor);
  const { items, cursor: next } = await fetchPage(
    limit,
    (take) =>
      app.db
        .select()
        .from(revisions)
        .where(and(eq(revisions.blobId, blob.id), after === undefined ? undefined : lt(revisions.number, after)))
        .orderBy(desc(revisions.number))
        .limit(take),
    (r) => String(r.number),
  );
  return { revisions: items.map(toRevisionWire), cursor: next };
}

/** Opens a draft and announces it. */
export async function createRevision(app: App, caller: Context['caller'], blob: BlobRow, fromRevisionId?: string, comment?: string) {
  const draft = await openDraft(app, blob, userIdOf(caller), fromRevisionId, comment);
  await emitRevisionEvent(app, 'revision_created', blob, draft);
  return draft;
}

export const revisionsRouter = router({
  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/blobs/{blob_id}/revisions',
        tags: ['revisions'],
        summary: 'Open a new draft copying a revision (default: the latest)',
      },
    })
    .input(z.object({ blob_id: idOf('blob'), from_revision_id: idOf('revision').optional(), comment: revisionComment.optional() }))
    .output(revisionOut)
    .mutation(async ({ ctx, input }) => {
      const { blob } = await requireBlob(ctx.app.db, ctx.caller, input.blob_id, 'write');
      return { revision: toRevisionWire(await createRevision(ctx.app, ctx.caller, blob, input.from_revision_id, input.comment)) };
    }),

  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/blobs/{blob_id}/revisions', tags: ['revisions'], summary: 'Revisions of a blob, newest first' } })
    .input(z.object({ blob_id: idOf('blob'), ...numberPageQuery }))
    .output(revisionList)
    .query(async ({ ctx, input }) => {
      const { blob } = await requireBlob(ctx.app.db, ctx.caller, input.blob_id, 'read');
      return listRevisions(ctx.app, blob, input);
    }),

  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/revisions/{revision_id}', tags: ['revisions'], summary: 'Get a revision' } })
    .input(z.object(revisionParam))
    .output(revisionOut)
    .query(async ({ ctx, input }) => ({ revision: toRevisionWire((await requireRevision(ctx.app.db, ctx.caller, input.revision_id, 'read')).revision) })),

  delete: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/revisions/{revision_id}', tags: ['revisions'], summary: 'Delete a draft revision' } })
    .input(z.object(revisionParam))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const { revision, blob } = await requireRevision(ctx.app.db, ctx.caller, input.revision_id, 'write');
      if (revision.phase !== 'draft') throw conflict(`only a draft can be deleted (this revision is ${revision.phase})`);
      await ctx.app.db.transaction(async (tx) => {
        await tx.delete(metadata).where(and(eq(metadata.targetType, 'revision'), eq(metadata.targetId, revision.id)));
        await tx.delete(revisions).where(eq(revisions.id, revision.id));
        const [latest] = await tx.select().from(revisions).where(eq(revisions.blobId, blob.id)).orderBy(desc(revisions.number)).limit(1);
        await tx
          .update(blobs)
          .set({ latestRevisionId: latest?.id ?? null, updatedAt: new Date() })
          .where(eq(blobs.id, blob.id));
      });
      await emitRevisionEvent(ctx.app, 'revision_deleted', blob, revision);
      return {};
    }),

  commit: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/revisions/{revision_id}/commit', tags: ['revisions'], summary: 'Validate and freeze a draft' } })
    .input(z.object(revisionParam))
    .output(revisionOut)
    .mutation(async ({ ctx, input }) => {
      const { revision, blob } = await requireRevision(ctx.app.db, ctx.caller, input.revision_id, 'write');
      const committed = await commitRevision(ctx.app, blob, revision);
      await emitRevisionEvent(ctx.app, 'revision_committed', blob, committed);
      return { revision: toRevisionWire(committed) };
    }),

  snapshot: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/revisions/{revision_id}/snapshot', tags: ['revisions'], summary: 'Publish a committed revision' } })
    .input(z.object(revisionParam))
    .output(revisionOut)
    .mutation(async ({ ctx, input }) => {
      const { revision, blob } = await requireRevision(ctx.app.db, ctx.caller, input.revision_id, 'write');
      const snap = await snapshotRevision(ctx.app, blob, revision);
      await emitRevisionEvent(ctx.app, 'revision_snapshotted', blob, snap);
      return { revision: toRevisionWire(snap) };
    }),
});
