import { z } from 'zod';
import { createBlob, deleteBlob, listBlobs, updateBlob, blobWire, toBlobWire } from '../../../core/blobs';
import { blobTypeInput } from '../../../http/dialect';
import { limitGroupsOf } from '../../../core/limits';
import { findOrg, requireBlob, requireOrg } from '../../../core/resources';
import { listRevisions, openDraft, revisionByRef, revisionWire, toRevisionWire } from '../../../core/revisions';
import { blobName, idOf, idOrName } from '../../../core/schemas';
import { numberPageQuery, pageQuery } from '../../../core/paging';
import { revisionComment, revisionPage } from '../revision-shapes';
import { authedProcedure, publicProcedure, router, type Context } from '../trpc';

const blobType = blobTypeInput;
const visibility = z.enum(['private', 'public']);

export const blobsRouter = router({
  create: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs/{org_id}/blobs', tags: ['blobs'], summary: 'Create a blob and its first draft revision' } })
    .input(
      z.object({
        org_id: idOrName('org'),
        name: blobName,
        type: blobType,
        visibility: visibility.default('private'),
        description: z.string().max(4000).optional(),
      }),
    )
    .output(z.object({ blob: blobWire, revision: revisionWire }))
    .mutation(async ({ ctx, input }) => {
      const { org } = await requireOrg(ctx.app.db, ctx.caller, input.org_id, 'write');
      const { name, type, visibility, description } = input;
      const { blob, revision } = await createBlob(ctx.app, ctx.actor, org.id, { name, type, visibility, description });
      return { blob: toBlobWire(blob), revision: toRevisionWire(revision) };
    }),

  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/orgs/{org_id}/blobs', tags: ['blobs'], summary: 'Blobs of an organization that I can read' } })
    .input(z.object({ org_id: idOrName('org'), type: blobType.optional(), q: z.string().max(100).optional().describe('part of the blob name'), ...pageQuery }))
    .output(z.object({ blobs: z.array(blobWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const org = await findOrg(ctx.app.db, input.org_id);
      const { items, cursor } = await listBlobs(ctx.app.db, ctx.caller, org.id, input);
      return { blobs: items.map(toBlobWire), cursor };
    }),

  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/blobs/{blob_id}', tags: ['blobs'], summary: 'Get a blob' } })
    .input(z.object({ blob_id: idOf('blob') }))
    .output(z.object({ blob: blobWire }))
    .query(async ({ ctx, input }) => ({ blob: toBlobWire((await requireBlob(ctx.app.db, ctx.caller, input.blob_id, 'read')).blob) })),

  update: authedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/blobs/{blob_id}', tags: ['blobs'], summary: 'Change a blob’s description (write) or visibility (admin)' } })
    .input(z.object({ blob_id: idOf('blob'), visibility: visibility.optional(), description: z.string().max(4000).optional() }))
    .output(z.object({ blob: blobWire }))
    .mutation(async ({ ctx, input }) => {
      const { blob } = await requireBlob(ctx.app.db, ctx.caller, input.blob_id, input.visibility ? 'admin' : 'write');
      return { blob: toBlobWire(await updateBlob(ctx.app, ctx.actor, blob, input)) };
    }),

  delete: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/blobs/{blob_id}', tags: ['blobs'], summary: 'Delete a blob with all its revisions (admin)' } })
    .input(z.object({ blob_id: idOf('blob') }))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const { blob } = await requireBlob(ctx.app.db, ctx.caller, input.blob_id, 'admin');
      await deleteBlob(ctx.app, ctx.actor, blob);
      return {};
    }),
});

/** A blob addressed as /blobs/{org}/{blob}: org and blob by id or name (BlobHub's CLI also sends /blobs/{blob_id}/{blob_id}). */
const blobRef = { org: z.union([idOrName('org'), idOf('blob')]), blob: idOrName('blob') };
type BlobRef = { org: string; blob: string };
const blobByRef = (ctx: Context, input: BlobRef, action: 'read' | 'write') => requireBlob(ctx.app.db, ctx.caller, input.blob, action, input.org);

/** Merged last into the app router: /blobs/{org}/{blob} would otherwise shadow /blobs/{id}/… paths. */
export const blobByNameRouter = router({
  getByName: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/blobs/{org}/{blob}', tags: ['blobs'], summary: 'Get a blob by organization and blob name' } })
    .input(z.object(blobRef))
    .output(z.object({ blob: blobWire }))
    .query(async ({ ctx, input }) => ({ blob: toBlobWire((await blobByRef(ctx, input, 'read')).blob) })),

  revisions: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/blobs/{org}/{blob}/revisions', tags: ['revisions'], summary: 'Revisions of a blob by name, newest first' } })
    .input(z.object({ ...blobRef, ...numberPageQuery }))
    .output(revisionPage.schema)
    .query(async ({ ctx, input }) => revisionPage.of(await listRevisions(ctx.app.db, (await blobByRef(ctx, input, 'read')).blob, input))),

  createRevision: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/blobs/{org}/{blob}/revisions', tags: ['revisions'], summary: 'Open a new draft of a blob by name' } })
    .input(z.object({ ...blobRef, from_revision_id: idOf('revision').optional(), comment: revisionComment.optional() }))
    .output(z.object({ revision_id: z.string(), revision: revisionWire }))
    .mutation(async ({ ctx, input }) => {
      const { blob } = await blobByRef(ctx, input, 'write');
      const draft = await openDraft(ctx.app, ctx.actor, blob, input.from_revision_id, input.comment);
      return { revision_id: draft.id, revision: toRevisionWire(draft) };
    }),

  revision: publicProcedure
    .meta({
      openapi: { method: 'GET', path: '/blobs/{org}/{blob}/revisions/{ref}', tags: ['revisions'], summary: 'A revision of a blob by id, number or `default`' },
    })
    .input(z.object({ ...blobRef, ref: z.string().regex(/^(default|[0-9]{1,9}|rev_[0-9a-z]{26})$/, 'must be a revision id, a number or `default`') }))
    .output(z.object({ revision: revisionWire }))
    .query(async ({ ctx, input }) => {
      const { blob } = await blobByRef(ctx, input, 'read');
      return { revision: toRevisionWire(await revisionByRef(ctx.app.db, blob, input.ref)) };
    }),

  limits: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/blobs/{org}/{blob}/limits', tags: ['blobs'], summary: 'The limits that apply to a blob' } })
    .input(z.object(blobRef))
    .output(
      z.object({
        groups: z.array(
          z.object({
            id: z.string(),
            group: z.string(),
            label: z.string(),
            limits: z.array(z.object({ id: z.string(), value: z.unknown(), description: z.string(), source: z.string() })),
          }),
        ),
      }),
    )
    .query(async ({ ctx, input }) => ({ groups: limitGroupsOf((await blobByRef(ctx, input, 'read')).blob) })),
});
