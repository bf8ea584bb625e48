import { z } from 'zod';
import { requireBlob, requireRevision } from '../../../core/resources';
import { commitRevision, deleteDraft, listRevisions, openDraft, snapshotRevision, revisionWire, toRevisionWire } from '../../../core/revisions';
import { idOf } from '../../../core/schemas';
import { numberPageQuery } from '../../../core/paging';
import { revisionComment, revisionPage } from '../revision-shapes';
import { authedProcedure, publicProcedure, router } from '../trpc';

const revisionParam = { revision_id: idOf('revision') };
const revisionOut = z.object({ revision: revisionWire });

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
      return { revision: toRevisionWire(await openDraft(ctx.app, ctx.actor, blob, input.from_revision_id, input.comment)) };
    }),

  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/blobs/{blob_id}/revisions', tags: ['revisions'], summary: 'Revisions of a blob, newest first' } })
    .input(z.object({ blob_id: idOf('blob'), ...numberPageQuery }))
    .output(revisionPage.schema)
    .query(async ({ ctx, input }) => {
      const { blob } = await requireBlob(ctx.app.db, ctx.caller, input.blob_id, 'read');
      return revisionPage.of(await listRevisions(ctx.app.db, blob, input));
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
      await deleteDraft(ctx.app, ctx.actor, blob, revision);
      return {};
    }),

  commit: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/revisions/{revision_id}/commit', tags: ['revisions'], summary: 'Validate and freeze a draft' } })
    .input(z.object(revisionParam))
    .output(revisionOut)
    .mutation(async ({ ctx, input }) => {
      const { revision, blob } = await requireRevision(ctx.app.db, ctx.caller, input.revision_id, 'write');
      return { revision: toRevisionWire(await commitRevision(ctx.app, ctx.actor, blob, revision)) };
    }),

  snapshot: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/revisions/{revision_id}/snapshot', tags: ['revisions'], summary: 'Publish a committed revision' } })
    .input(z.object(revisionParam))
    .output(revisionOut)
    .mutation(async ({ ctx, input }) => {
      const { revision, blob } = await requireRevision(ctx.app.db, ctx.caller, input.revision_id, 'write');
      return { revision: toRevisionWire(await snapshotRevision(ctx.app, ctx.actor, blob, revision)) };
    }),
});
