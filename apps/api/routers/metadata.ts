import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../../core/app';
import { notFound } from '../../../core/errors';
import { requireTarget, targetParams, type ResolvedTarget } from '../../../core/targets';
import { metadata } from '../../../db/schema';
import { authedProcedure, publicProcedure, router } from '../trpc';

const params = targetParams('blobs', 'revisions');
const MAX_VALUE_BYTES = 16 * 1024;

const metadataKey = z.string().regex(/^[a-z0-9_.-]{1,128}$/, 'lowercase letters, digits, _ . -, 1-128 chars');
const metadataValue = z
  .unknown()
  .refine((v) => v !== undefined, 'required: any JSON value')
  .refine((v) => Buffer.byteLength(JSON.stringify(v) ?? '') <= MAX_VALUE_BYTES, `must be at most ${MAX_VALUE_BYTES} bytes as JSON`);

const metadataType = (target: ResolvedTarget) => target.type as 'blob' | 'revision';
const ofTarget = (target: ResolvedTarget) => and(eq(metadata.targetType, metadataType(target)), eq(metadata.targetId, target.id));

/** Metadata is not revision content: it may change on a revision in any phase. */
function emitMetadataEvent(app: App, target: ResolvedTarget, key: string, value: unknown) {
  return app.emit({
    type: value === undefined ? 'metadata_deleted' : 'metadata_updated',
    orgId: target.orgId,
    blobId: target.blobId,
    revisionId: target.revisionId,
    data: { target: { type: target.type, id: target.id }, key, value: value ?? null },
  });
}

export const metadataRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/{target}/{target_id}/metadata', tags: ['metadata'], summary: 'All metadata of a blob or revision' } })
    .input(z.object(params))
    .output(z.object({ metadata: z.record(z.string(), z.unknown()) }))
    .query(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'read');
      const rows = await ctx.app.db.select().from(metadata).where(ofTarget(target)).orderBy(asc(metadata.key));
      return { metadata: Object.fromEntries(rows.map((r) => [r.key, r.value])) };
    }),

  put: authedProcedure
    .meta({
      openapi: { method: 'PUT', path: '/{target}/{target_id}/metadata/{key}', tags: ['metadata'], summary: 'Set one metadata value (JSON, at most 16 KiB)' },
    })
    .input(z.object({ ...params, key: metadataKey, value: metadataValue }))
    .output(z.object({ key: z.string(), value: z.unknown() }))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'write');
      // drizzle writes a JS null as SQL NULL; a JSON null value is the jsonb literal.
      const value = input.value === null ? sql`'null'::jsonb` : input.value;
      const row = { targetType: metadataType(target), targetId: target.id, key: input.key, value, updatedAt: new Date() };
      await ctx.app.db
        .insert(metadata)
        .values(row)
        .onConflictDoUpdate({ target: [metadata.targetType, metadata.targetId, metadata.key], set: { value: row.value, updatedAt: row.updatedAt } });
      await emitMetadataEvent(ctx.app, target, input.key, input.value);
      return { key: input.key, value: input.value };
    }),

  delete: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/{target}/{target_id}/metadata/{key}', tags: ['metadata'], summary: 'Remove one metadata value' } })
    .input(z.object({ ...params, key: metadataKey }))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'write');
      const removed = await ctx.app.db
        .delete(metadata)
        .where(and(ofTarget(target), eq(metadata.key, input.key)))
        .returning({ key: metadata.key });
      if (removed.length === 0) throw notFound(`metadata key ${input.key}`);
      await emitMetadataEvent(ctx.app, target, input.key, undefined);
      return {};
    }),
});
