import { and, desc, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { membershipsOf, type Caller } from '../../../core/access';
import { deleteAttachments } from '../../../core/attachments';
import { engineForBlobType } from '../../../core/engines';
import { blobTypeInput } from '../../../core/dialect';
import { ApiError, conflict, firstOr, notFound, theRow } from '../../../core/errors';
import type { BlobRow } from '../../../core/engines';
import { limitGroupsOf } from '../../../core/limits';
import { newId } from '../../../core/ids';
import { findOrg, requireBlob, requireOrg } from '../../../core/resources';
import { afterCursor, fetchPage } from '../../../core/paging';
import { blobName, blobWire, idOf, idOrName, numberPageQuery, pageQuery, revisionWire, toBlobWire, toRevisionWire } from '../../../core/wire';
import { blobs, revisions } from '../../../db/schema';
import type { Db } from '../../../db/client';
import { authedProcedure, publicProcedure, router, type Context } from '../trpc';
import { createRevision, listRevisions, revisionComment, revisionList } from './revisions';

const blobType = blobTypeInput;
const visibility = z.enum(['private', 'public']);

/** Which blobs of an org the caller may see: everything for org members, else public + own blob roles. */
async function visibleBlobsFilter(db: Db, caller: Caller, orgId: string): Promise<SQL | undefined> {
  const isPublic = eq(blobs.visibility, 'public');
  if (caller.kind === 'anonymous') return isPublic;
  if (caller.kind === 'key' && caller.keyTarget.type === 'blob') return or(isPublic, eq(blobs.id, caller.keyTarget.id));
  if (caller.kind === 'key' && caller.keyTarget.type === 'org' && caller.keyTarget.id !== orgId) return isPublic;
  if (caller.isInstanceAdmin) return undefined;
  const { orgRoles, blobRoles } = await membershipsOf(db, caller.userId);
  if (orgRoles.has(orgId)) return undefined;
  return blobRoles.size ? or(isPublic, inArray(blobs.id, [...blobRoles.keys()])) : isPublic;
}

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
      const { blob, revision } = await ctx.app.db.transaction(async (tx) => {
        const blobId = newId('blob');
        const revisionId = newId('revision');
        const [blob] = await tx
          .insert(blobs)
          .values({
            id: blobId,
            orgId: org.id,
            name: input.name,
            type: input.type,
            visibility: input.visibility,
            description: input.description,
            latestRevisionId: revisionId,
          })
          .onConflictDoNothing()
          .returning();
        if (!blob) throw conflict(`a blob named ${input.name} already exists in this organization`);
        const revision = await tx
          .insert(revisions)
          .values({ id: revisionId, blobId, number: 1, phase: 'draft', createdBy: ctx.caller.userId })
          .returning()
          .then(theRow);
        return { blob, revision };
      });
      await ctx.app.emit({ type: 'blob_created', orgId: org.id, blobId: blob.id, data: { blob: toBlobWire(blob) } });
      return { blob: toBlobWire(blob), revision: toRevisionWire(revision) };
    }),

  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/orgs/{org_id}/blobs', tags: ['blobs'], summary: 'Blobs of an organization that I can read' } })
    .input(z.object({ org_id: idOrName('org'), type: blobType.optional(), q: z.string().max(100).optional().describe('part of the blob name'), ...pageQuery }))
    .output(z.object({ blobs: z.array(blobWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const org = await findOrg(ctx.app.db, input.org_id);
      const visible = await visibleBlobsFilter(ctx.app.db, ctx.caller, org.id);
      const { items, cursor } = await fetchPage(input.limit, (take) =>
        ctx.app.db
          .select()
          .from(blobs)
          .where(
            and(
              eq(blobs.orgId, org.id),
              input.type ? eq(blobs.type, input.type) : undefined,
              input.q ? ilike(blobs.name, `%${input.q.replace(/[\\%_]/g, '\\$&')}%`) : undefined,
              afterCursor(blobs.id, input.cursor),
              visible,
            ),
          )
          .orderBy(desc(blobs.id))
          .limit(take),
      );
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
      const row = await ctx.app.db
        .update(blobs)
        .set({ visibility: input.visibility ?? blob.visibility, description: input.description ?? blob.description, updatedAt: new Date() })
        .where(eq(blobs.id, blob.id))
        .returning()
        .then((rows) => firstOr(rows, () => notFound('blob')));
      await ctx.app.emit({ type: 'blob_updated', orgId: row.orgId, blobId: row.id, data: { blob: toBlobWire(row) } });
      return { blob: toBlobWire(row) };
    }),

  delete: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/blobs/{blob_id}', tags: ['blobs'], summary: 'Delete a blob with all its revisions (admin)' } })
    .input(z.object({ blob_id: idOf('blob') }))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const { blob } = await requireBlob(ctx.app.db, ctx.caller, input.blob_id, 'admin');
      await engineForBlobType(blob.type)?.beforeBlobDelete?.(ctx.app, blob);
      await ctx.app.db.transaction(async (tx) => {
        await deleteAttachments(tx, { type: 'blob', id: blob.id });
        await tx.delete(blobs).where(eq(blobs.id, blob.id));
      });
      await ctx.app.emit({ type: 'blob_deleted', orgId: blob.orgId, blobId: blob.id, data: { blob_id: blob.id } });
      return {};
    }),
});

/** A blob addressed as /blobs/{org}/{blob}: org and blob by id or name (BlobHub's CLI also sends /blobs/{blob_id}/{blob_id}). */
const blobRef = { org: z.union([idOrName('org'), idOf('blob')]), blob: idOrName('blob') };
type BlobRef = { org: string; blob: string };
const blobByRef = (ctx: Context, input: BlobRef, action: 'read' | 'write') => requireBlob(ctx.app.db, ctx.caller, input.blob, action, input.org);

/** A revision of a blob by id, number or `default` (the latest revision). */
async function revisionByRef(db: Db, blob: BlobRow, ref: string) {
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
    .output(revisionList)
    .query(async ({ ctx, input }) => listRevisions(ctx.app, (await blobByRef(ctx, input, 'read')).blob, input)),

  createRevision: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/blobs/{org}/{blob}/revisions', tags: ['revisions'], summary: 'Open a new draft of a blob by name' } })
    .input(z.object({ ...blobRef, from_revision_id: idOf('revision').optional(), comment: revisionComment.optional() }))
    .output(z.object({ revision_id: z.string(), revision: revisionWire }))
    .mutation(async ({ ctx, input }) => {
      const { blob } = await blobByRef(ctx, input, 'write');
      const draft = await createRevision(ctx.app, ctx.caller, blob, input.from_revision_id, input.comment);
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
