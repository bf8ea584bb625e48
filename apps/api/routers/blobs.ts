import { and, desc, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { membershipsOf, type Caller } from '../../../core/access';
import { deleteAttachments } from '../../../core/attachments';
import { engineForBlobType } from '../../../core/engines';
import { conflict } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { findOrg, requireBlob, requireOrg } from '../../../core/resources';
import { afterCursor, blobName, blobWire, idOf, idOrName, page, pageQuery, revisionWire, toBlobWire, toRevisionWire } from '../../../core/wire';
import { blobs, revisions } from '../../../db/schema';
import type { Db } from '../../../db/client';
import { authedProcedure, publicProcedure, router } from '../trpc';

const blobType = z.enum(['workflow', 'scheduler', 'onnx']);
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
          .values({ id: blobId, orgId: org.id, name: input.name, type: input.type, visibility: input.visibility, description: input.description, latestRevisionId: revisionId })
          .onConflictDoNothing()
          .returning();
        if (!blob) throw conflict(`a blob named ${input.name} already exists in this organization`);
        const [revision] = await tx
          .insert(revisions)
          .values({ id: revisionId, blobId, number: 1, phase: 'draft', createdBy: ctx.caller.userId })
          .returning();
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
      const rows = await ctx.app.db
        .select()
        .from(blobs)
        .where(
          and(
            eq(blobs.orgId, org.id),
            input.type ? eq(blobs.type, input.type) : undefined,
            input.q ? ilike(blobs.name, `%${input.q.replace(/[\\%_]/g, '\\$&')}%`) : undefined,
            afterCursor(blobs.id, input.cursor),
            await visibleBlobsFilter(ctx.app.db, ctx.caller, org.id),
          ),
        )
        .orderBy(desc(blobs.id))
        .limit(input.limit + 1);
      const { items, cursor } = page(rows, input.limit);
      return { blobs: items.map(toBlobWire), cursor };
    }),

  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/blobs/{blob_id}', tags: ['blobs'], summary: 'Get a blob' } })
    .input(z.object({ blob_id: idOf('blob') }))
    .output(z.object({ blob: blobWire }))
    .query(async ({ ctx, input }) => ({ blob: toBlobWire((await requireBlob(ctx.app.db, ctx.caller, input.blob_id, 'read')).blob) })),

  update: authedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/blobs/{blob_id}', tags: ['blobs'], summary: 'Change a blob’s visibility or description (admin)' } })
    .input(z.object({ blob_id: idOf('blob'), visibility: visibility.optional(), description: z.string().max(4000).optional() }))
    .output(z.object({ blob: blobWire }))
    .mutation(async ({ ctx, input }) => {
      const { blob } = await requireBlob(ctx.app.db, ctx.caller, input.blob_id, input.visibility ? 'admin' : 'write');
      const [row] = await ctx.app.db
        .update(blobs)
        .set({ visibility: input.visibility ?? blob.visibility, description: input.description ?? blob.description, updatedAt: new Date() })
        .where(eq(blobs.id, blob.id))
        .returning();
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

/** Merged last into the app router: /blobs/{org}/{blob} would otherwise shadow /blobs/{id}/… paths. */
export const blobByNameRouter = router({
  getByName: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/blobs/{org}/{blob}', tags: ['blobs'], summary: 'Get a blob by organization and blob name' } })
    .input(z.object({ org: idOrName('org'), blob: idOrName('blob') }))
    .output(z.object({ blob: blobWire }))
    .query(async ({ ctx, input }) => ({ blob: toBlobWire((await requireBlob(ctx.app.db, ctx.caller, input.blob, 'read', input.org)).blob) })),
});
